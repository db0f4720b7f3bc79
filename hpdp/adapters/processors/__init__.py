"""Processor adapters: the same dataframe operations in Polars and in Pandas."""
