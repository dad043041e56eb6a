"""Delivery of alerts to a webhook: one alert per POST (JSON), with a timeout and retries with backoff.
A delivery that still fails stays pending in the state and is retried next cycle."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

TIMEOUT_S = 5.0
TRIES = 3
BACKOFF_S = 0.2


def post(url: str, body: str, tries: int = TRIES, timeout: float = TIMEOUT_S, backoff: float = BACKOFF_S) -> str | None:
    """POST body; None on success (2xx), else the last failure's reason."""
    reason = None
    for attempt in range(tries):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        request = urllib.request.Request(
            url, data=body.encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if 200 <= response.status < 300:
                    return None
                reason = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            reason = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            reason = str(getattr(exc, "reason", exc))
    return reason
