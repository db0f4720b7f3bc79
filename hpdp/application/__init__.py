"""Application: the ports and the use cases built on them."""
