"""`hpdp kernel install` and `hpdp lab`: the hpdp kernel, and JupyterLab with the project's settings."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from hpdp.domain.errors import InputFileError, InvalidInputError
from hpdp.infrastructure import resources

kernel_app = typer.Typer(help="The hpdp Jupyter kernel (IPython with %sql loaded).", no_args_is_help=True)


@kernel_app.command("install")
def install(
    user: Annotated[bool, typer.Option("--user", help="Install for the current user.")] = False,
    prefix: Annotated[Path | None, typer.Option("--prefix", help="Install under this prefix.")] = None,
    name: Annotated[str, typer.Option("--name", help="Kernel name.")] = "hpdp",
) -> None:
    """Install the hpdp kernel spec (default: into this environment, so its Jupyter sees it)."""
    import json
    import tempfile

    import ipykernel  # noqa: F401 - the kernel runs ipykernel in this environment
    from jupyter_client.kernelspec import KernelSpecManager

    if user and prefix is not None:
        raise InvalidInputError("Choose either --user or --prefix, not both.")
    spec = json.loads(resources.kernel_spec_file().read_text())
    spec["argv"][0] = sys.executable  # the kernel runs in this environment, whichever Jupyter starts it
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / name
        source.mkdir()
        (source / "kernel.json").write_text(json.dumps(spec, indent=2) + "\n")
        target = None if user else str(prefix.expanduser().resolve() if prefix else sys.prefix)
        dest = KernelSpecManager().install_kernel_spec(str(source), name, user=user, prefix=target)
    print(f"Installed the {name} kernel in {dest}.")


def lab_environment(env: dict[str, str]) -> dict[str, str]:
    """Jupyter finds hpdp's settings and kernel first; kernels use this workspace."""
    from hpdp.infrastructure.settings import load_settings

    def prepend(var: str, path: Path) -> str:
        return os.pathsep.join(p for p in (str(path), env.get(var, "")) if p)

    out = dict(env)
    out["JUPYTER_CONFIG_PATH"] = prepend("JUPYTER_CONFIG_PATH", resources.jupyter_config_dir())
    out["JUPYTER_PATH"] = prepend("JUPYTER_PATH", resources.root())
    out["HPDP_HOME"] = str(load_settings().resolved_home())
    return out


def lab(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8888,
    token: Annotated[str | None, typer.Option(help="Access token (default: a new random one).")] = None,
    notebook_dir: Annotated[Path, typer.Option("--dir", help="Folder JupyterLab opens.")] = Path("."),
) -> None:
    """Start JupyterLab on 127.0.0.1 with the hpdp kernel and settings; prints the URL to open."""
    import secrets

    import jupyterlab  # noqa: F401 - a missing jupyter extra is reported before anything starts

    token = token or secrets.token_urlsafe(24)
    folder = notebook_dir.expanduser().resolve()
    if not folder.is_dir():
        raise InputFileError(f"Folder {str(folder)!r} does not exist; pass an existing folder with --dir.")
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={folder}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    env = lab_environment(dict(os.environ))
    print(f"JupyterLab: http://127.0.0.1:{port}/lab?token={token}", flush=True)
    os.execve(sys.executable, argv, env)


def examples(
    folder: Annotated[Path, typer.Argument(help="Folder to copy into (created if missing).")] = Path("."),
) -> None:
    """Copy the example notebooks and experiments into a folder (notebooks/, experiments/)."""
    copied = resources.copy_examples(folder.expanduser())
    for path in copied:
        print(path)
    print(f"Copied {len(copied)} example files into {folder}.")


def register(app: typer.Typer) -> None:
    app.add_typer(kernel_app, name="kernel")
    app.command("lab")(lab)
    app.command("examples")(examples)
