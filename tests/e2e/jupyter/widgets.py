"""The widgets a kernel showed, as a browser would know them: each model's state from its comm messages."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.jupyter.kernel import Kernel, Reply


class Models:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.state: dict[str, dict[str, Any]] = {}
        self.closed: set[str] = set()

    def feed(self, reply: Reply) -> Reply:
        for event in reply.events:
            if event["type"] == "comm_open" and event.get("target_name") == "jupyter.widget":
                self.state[event["comm_id"]] = dict(event["data"]["state"])
            elif event["type"] == "comm_msg" and event["data"].get("method") == "update":
                self.state.setdefault(event["comm_id"], {}).update(event["data"]["state"])
            elif event["type"] == "comm_close":
                self.closed.add(event["comm_id"])
        return reply

    def find(self, model: str, *, css: str | None = None, **match: Any) -> str:
        """The newest widget of a model (`ButtonModel`) with a CSS class and these state values."""
        found = [
            cid
            for cid, s in self.state.items()
            if s.get("_model_name") == model
            and (css is None or css in s.get("_dom_classes", ()))
            and all(s.get(k) == v for k, v in match.items())
        ]
        assert found, f"no {model} {css or ''} {match} among {len(self.state)} widgets"
        return found[-1]

    def click(self, comm_id: str) -> Reply:
        return self.feed(self.kernel.comm(comm_id, {"method": "custom", "content": {"event": "click"}}))

    def set(self, comm_id: str, **state: Any) -> Reply:
        return self.feed(self.kernel.comm(comm_id, {"method": "update", "state": state, "buffer_paths": []}))


def table_rows(html: str) -> list[list[str]]:
    """The body cells of an HTML table, as text."""
    body = html.split("<tbody>", 1)[1]
    return [re.findall(r"<td>(.*?)</td>", row) for row in body.split("<tr>")[1:]]
