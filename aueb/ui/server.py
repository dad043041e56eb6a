"""A Streamlit script run as a server on a free loopback port, ready once its health check answers.

The one start loop of the dashboard benchmark (benchmarks/bench_app.py) and, through it, of anything else
that drives the dashboard in a browser. It imports no streamlit: the server is a subprocess.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(script: str | Path = "app.py", cwd: str | Path = ".", *flags: str) -> Iterator[str]:
    """`streamlit run script` (from cwd, which holds its .streamlit/config.toml if any) on a free loopback
    port; yields the URL (ending in "/") once /_stcore/health answers, and stops the server on the way out.

    RuntimeError, with the end of the server's output, when it exits or is not healthy within 90 s."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([*command, *flags], cwd=cwd, stdout=log, stderr=subprocess.STDOUT, text=True)
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
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
