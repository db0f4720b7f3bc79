"""A run's output notebook as HTML, shown in a sandboxed frame (its scripts and styles stay inside)."""

from __future__ import annotations

import html
from pathlib import Path


def notebook_frame(path: str | None, height: int = 700) -> str:
    """An `<iframe srcdoc>` of the notebook rendered by nbconvert, or a sentence saying why there is none."""
    if not path or not Path(path).is_file():
        return "<p>This run left no output notebook.</p>"
    try:
        import nbformat
        from nbconvert import HTMLExporter
    except ImportError:
        return "<p>Rendering notebooks needs nbconvert (pip install 'hpdp[jupyter]').</p>"
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nbformat.read(path, as_version=4))
    return (
        f'<iframe class="hpdp-notebook" sandbox="" style="width:100%;height:{height}px;border:1px solid #ddd" '
        f'srcdoc="{html.escape(body, quote=True)}"></iframe>'
    )
