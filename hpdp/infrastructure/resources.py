"""Files shipped inside the package: the kernel spec, the Jupyter settings and the example notebooks."""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from hpdp.domain.errors import ConflictError


def root() -> Path:
    return Path(str(files("hpdp") / "resources"))


def kernel_spec_file() -> Path:
    return root() / "kernels" / "hpdp" / "kernel.json"


def jupyter_config_dir() -> Path:
    return root() / "jupyter_config"


def examples_dir() -> Path:
    return root() / "examples"


def example_files() -> list[Path]:
    """The example notebooks and experiments, relative to the examples folder."""
    root = examples_dir()
    return sorted(
        p.relative_to(root)
        for p in root.rglob("*")
        if p.is_file() and p.suffix in {".ipynb", ".yaml"} and ".ipynb_checkpoints" not in p.parts
    )


def copy_examples(target: Path) -> list[Path]:
    """Copy `notebooks/` and `experiments/` into `target`; nothing is copied if a file would be overwritten."""
    names = example_files()
    taken = [n for n in names if (target / n).exists()]
    if taken:
        raise ConflictError(
            f"{target / taken[0]} already exists",
            hint="choose an empty folder or move the existing examples away.",
            code="examples_exist",
        )
    for name in names:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(examples_dir() / name, target / name)
    return [target / n for n in names]


def demo_files() -> dict[str, Path]:
    """The files the first-start demo copies into a workspace: workspace path -> shipped file."""
    demo = root() / "demo"
    return {
        "notebooks/ingest_source.ipynb": demo / "notebooks" / "ingest_source.ipynb",
        "notebooks/profile_table.ipynb": examples_dir() / "notebooks" / "profile_table.ipynb",
        "notebooks/flight_delays.ipynb": demo / "notebooks" / "flight_delays.ipynb",
        "experiments/flight_delays.yaml": demo / "experiments" / "flight_delays.yaml",
    }
