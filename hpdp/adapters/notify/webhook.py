"""Failure notices as a JSON POST to a webhook URL (Slack-, Teams- or custom-endpoint style)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from hpdp.application.runs_ports import AbstractNotifier


class WebhookNotifier(AbstractNotifier):
    def __init__(self, url: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self.timeout_s = timeout_s

    def notify(self, event: str, payload: dict[str, Any]) -> None:
        reason = payload.get("reason") or "no reason recorded"
        body = {
            "event": event,
            "text": f"hpdp run {payload.get('run_id')} of {payload.get('notebook')} failed: {reason}",
            **payload,
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body, default=str).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
            response.read()
