"""A notebook's `parameters` cell, read without a kernel, and the checking of run parameters against it."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hpdp.domain.runs import NotebookError, NotebookNotFoundError, ParameterError

_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
# Parameters hpdp injects itself; a notebook need not declare them.
INJECTED = ("hpdp_run_id", "hpdp_run_dir")
_NOTEBOOK_HINT = "give the path of an .ipynb file."


@dataclass(frozen=True)
class Parameter:
    name: str
    type: type | None  # None: any value (declared as None without an annotation)
    default: Any


def notebook_path(text: str | Path) -> Path:
    """The absolute path of a notebook named by a user (`~` expanded); a name no file can have is refused."""
    if "\x00" in str(text):
        raise NotebookNotFoundError(f"Notebook {str(text)!r} does not exist", hint=_NOTEBOOK_HINT)
    return Path(text).expanduser().resolve()


def load_notebook(path: str | Path) -> dict[str, Any]:
    file = Path(path)
    if not file.is_file():
        raise NotebookNotFoundError(f"Notebook {str(file)!r} does not exist", hint=_NOTEBOOK_HINT)
    try:
        nb = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise NotebookError(f"{str(file)!r} is not a notebook (not valid JSON)", hint=_NOTEBOOK_HINT) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise NotebookError(f"{str(file)!r} is not a notebook (no cells)", hint=_NOTEBOOK_HINT)
    return nb


def declared_parameters(nb: dict[str, Any]) -> dict[str, Parameter]:
    """The names, types and defaults assigned in the cell tagged `parameters` (empty if there is none)."""
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            return _parse("".join(source) if isinstance(source, list) else source)
    return {}


def _parse(source: str) -> dict[str, Parameter]:
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise NotebookError(
            f"The notebook's parameters cell does not parse (line {exc.lineno})", hint="fix it."
        ) from None
    out: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name, value, annotation = node.targets[0].id, node.value, None
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, value, annotation = node.target.id, node.value, node.annotation
        else:
            continue
        try:
            default = ast.literal_eval(value) if value is not None else None
        except ValueError:
            default = None
        declared = _TYPES.get(annotation.id) if isinstance(annotation, ast.Name) else None
        out[name] = Parameter(name, declared or (type(default) if default is not None else None), default)
    return out


def check_parameters(
    declared: dict[str, Parameter], given: dict[str, Any], *, notebook: str, from_text: bool = False
) -> dict[str, Any]:
    """The given parameters converted to the declared types, or ParameterError naming the first bad one.

    `from_text`: values came from the command line as strings and are converted to the declared type.
    """
    checked: dict[str, Any] = {}
    for name, value in given.items():
        if name in INJECTED:
            raise ParameterError(f"{name!r} is set by hpdp for every run", hint="remove it from the parameters.")
        if not declared:
            raise ParameterError(
                f"{notebook} takes no parameters (no cell is tagged 'parameters')",
                hint=f"tag the cell that sets {name!r} and its other defaults with 'parameters', then pass them again.",
            )
        if name not in declared:
            known = ", ".join(sorted(declared))
            raise ParameterError(f"{notebook} has no parameter {name!r}; its parameters are: {known}.")
        checked[name] = _convert(declared[name], value, notebook, from_text)
    return checked


def _convert(param: Parameter, value: Any, notebook: str, from_text: bool) -> Any:
    want = param.type
    if want is None or value is None:
        return value
    if from_text and isinstance(value, str) and want is not str:
        value = _from_text(value, want)
    ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        value, ok = float(value), True
    if not ok:
        raise ParameterError(
            f"Parameter {param.name!r} of {notebook} takes a {want.__name__}, not {value!r}",
            hint=f"give a {want.__name__} such as {param.default!r}.",
        )
    return value


def _from_text(text: str, want: type) -> Any:
    try:
        if want is bool:
            low = text.strip().lower()
            return True if low in _TRUE else False if low in _FALSE else text
        if want in (int, float):
            return want(text)
        if want in (list, dict):
            return json.loads(text)
    except ValueError:
        return text
    return text
