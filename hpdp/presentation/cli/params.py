"""Run parameters on the command line: `-p NAME VALUE` pairs and a YAML file of NAME: VALUE lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hpdp.domain.errors import InputFileError, InvalidInputError

# `-p NAME VALUE` takes two values, which Typer options cannot: such commands parse their extra arguments.
PARAMS_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True}


def pairs(extra: list[str]) -> list[tuple[str, str]]:
    out, rest = [], list(extra)
    while rest:
        flag = rest.pop(0)
        if flag not in ("-p", "--parameter"):
            raise InvalidInputError(f"Unexpected argument {flag!r}; parameters are given as -p NAME VALUE.")
        if len(rest) < 2:
            raise InvalidInputError(f"{flag} needs a name and a value: -p NAME VALUE.")
        out.append((rest.pop(0), rest.pop(0)))
    return out


def parameters(pairs: list[tuple[str, str]] | None, file: Path | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if file is not None:
        import yaml

        if not file.is_file():
            raise InputFileError(f"Parameter file {str(file)!r} does not exist; give a YAML file of NAME: VALUE lines.")
        try:
            loaded = yaml.safe_load(file.read_text()) or {}
        except yaml.YAMLError:
            raise InputFileError(f"{file.name} is not valid YAML; give a YAML file of NAME: VALUE lines.") from None
        if not isinstance(loaded, dict):
            raise InputFileError(f"{file.name} must hold NAME: VALUE lines (a mapping).")
        params.update(loaded)
    params.update(dict(pairs or []))
    return params
