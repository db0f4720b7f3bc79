"""Adapters: one module per technology behind each port."""
