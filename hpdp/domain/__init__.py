"""Domain: plain values and rules of the workbench, free of any engine."""
