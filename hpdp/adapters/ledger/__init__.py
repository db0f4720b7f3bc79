"""The execution ledger and the findings, kept as tables of the store (schema `hpdp_meta`)."""
