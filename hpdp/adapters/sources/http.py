"""One httpx client per load: keep-alive, auth, and retries with exponential backoff and jitter.

Connection errors, timeouts, 429 and 5xx are retried (honouring Retry-After) until the retry count or the
time budget of the request (`max_time`, retries included) runs out; other HTTP errors and malformed
bodies fail at once with the URL.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import Future, ThreadPoolExecutor
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson

from hpdp.domain.sources import CatalogError, SourceError, SourceSpec, utcnow

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


def retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def build_auth(spec: SourceSpec) -> tuple[dict[str, str], Any]:
    """Headers and httpx auth from the source's `auth` entry (bearer, basic or api_key)."""
    auth = spec.option("auth") or {}
    kind = str(auth.get("type", "bearer" if "token" in auth else "none")).lower()
    if kind == "none":
        return {}, None
    if kind == "bearer":
        return {"Authorization": f"Bearer {auth.get('token', '')}"}, None
    if kind == "basic":
        return {}, httpx.BasicAuth(str(auth.get("username", "")), str(auth.get("password", "")))
    if kind == "api_key":
        return {str(auth.get("header", "X-API-Key")): str(auth.get("value", ""))}, None
    raise CatalogError(f"Source {spec.name!r} has auth type {kind!r}", hint="use bearer, basic or api_key.")


class HttpClient:
    def __init__(self, spec: SourceSpec) -> None:
        self.spec = spec
        self.retries = int(spec.option("retries", 5))
        self.backoff = float(spec.option("backoff", 0.5))
        self.max_time = float(spec.option("max_time", 600))
        self.timeout = float(spec.option("timeout", 30))
        headers, auth = build_auth(spec)
        headers.update({str(k): str(v) for k, v in (spec.option("headers") or {}).items()})
        self.client = httpx.Client(headers=headers, auth=auth, follow_redirects=True)
        self._pool: ThreadPoolExecutor | None = None

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        attempt, started = 0, time.monotonic()  # max_time bounds one request with all its retries
        while True:
            remaining = self.max_time - (time.monotonic() - started)
            wait: float | None = None
            try:
                response = self.client.request(method, url, timeout=max(0.1, min(self.timeout, remaining)), **kwargs)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__} ({exc})" if str(exc) else type(exc).__name__
            else:
                if response.status_code < 400:
                    return response
                if response.status_code not in RETRY_STATUS:
                    raise SourceError(
                        f"{response.url} answered HTTP {response.status_code} ({_snippet(response.content)})",
                        hint="check the URL, parameters and credentials.",
                        code="source_http_error",
                    )
                problem, wait = f"HTTP {response.status_code}", retry_after(response)
            attempt += 1
            delay = wait if wait is not None else self.backoff * 2 ** (attempt - 1) * (0.5 + random.random())
            remaining = self.max_time - (time.monotonic() - started)
            if attempt > self.retries or delay >= remaining:
                spent = time.monotonic() - started
                raise SourceError(
                    f"Gave up on {url} after {attempt} attempt(s) in {spent:.1f} s, last: {problem}",
                    hint="the source is failing, try again later or raise `retries`/`max_time`.",
                    code="source_gave_up",
                )
            time.sleep(delay)

    def json(self, method: str, url: str, **kwargs: Any) -> tuple[Any, httpx.Response]:
        response = self.request(method, url, **kwargs)
        return self.parse(response), response

    def prefetch(self, method: str, url: str, **kwargs: Any) -> Future[httpx.Response]:
        """Start the next request in the background while the caller converts the current page."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hpdp-fetch")
        return self._pool.submit(self.request, method, url, **kwargs)

    def now(self, method: str, url: str, **kwargs: Any) -> Future[httpx.Response]:
        """The same request, made at once in this thread."""
        done: Future[httpx.Response] = Future()
        done.set_result(self.request(method, url, **kwargs))
        return done

    def parse(self, response: httpx.Response) -> Any:
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise SourceError(
                f"{response.url} returned a malformed JSON body ({exc}, {len(response.content):,} bytes)",
                hint="nothing was written.",
                code="source_body_invalid",
            ) from None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()


def _snippet(body: bytes) -> str:
    text = body[:160].decode("utf-8", "replace").strip().replace("\n", " ")
    return text or "empty body"
