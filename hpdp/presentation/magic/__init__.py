"""The IPython extension: `%load_ext hpdp` registers `%sql` / `%%sql`."""
