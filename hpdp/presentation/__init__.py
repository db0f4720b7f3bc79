"""Presentation: the CLI, the notebook magic and servers; thin wrappers over the workbench."""
