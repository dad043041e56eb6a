"""A Streamlit script run as a server on a free loopback port, ready once its health check answers.

The one start loop of the dashboard benchmark (benchmarks/bench_app.py) and of the browser tests
(tests/browser.py wraps it). It imports no streamlit: the server is a subprocess.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_S = 90
STOP_TIMEOUT_S = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(script: str | Path, port: int, *flags: str) -> list[str]:
    """`python -m streamlit run script` headless on 127.0.0.1:port, without usage statistics, then flags."""
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    return [*command, *flags]


@contextmanager
def serve(
    script: str | Path = "app.py",
    cwd: str | Path = ".",
    *flags: str,
    command: Callable[[int], list[str]] | None = None,
    env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """`streamlit run script` (from cwd, which holds its .streamlit/config.toml if any) on a free loopback
    port; yields the URL (ending in "/") once /_stcore/health answers, and stops the server on the way out.
    `command` (given the port) starts it another way, e.g. through `aueb dashboard`; `env` is added to the
    environment. The server runs in its own process group, all of which is stopped (`aueb dashboard` runs
    streamlit as its child).

    RuntimeError, with the end of the server's output, when it exits or is not healthy within 90 s."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    argv = command(port) if command else streamlit_command(script, port, *flags)
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            start_new_session=True,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                try:
                    with urllib.request.urlopen(f"{url}_stcore/health", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"streamlit did not start on {url}: {log.read()[-2000:]}")
                time.sleep(0.3)
            yield url
        finally:
            stop_group(process)


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group, then SIGKILL to whatever of it is left after 10 s (a streamlit
    child of `aueb dashboard` can outlive its parent's exit); a group already gone is fine."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        while time.monotonic() < deadline:
            process.poll()  # reap the leader: a zombie still counts as a member of the group
            os.killpg(process.pid, 0)  # ProcessLookupError once no process of the group is left
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=STOP_TIMEOUT_S)
