"""A distillation run started from the dashboard stops when its browser session ends, and in every
case after its time limit; a tab never has two runs at once. The runner's logic, with a stand-in
process instead of torch (the real run is tested in test_app.py)."""

from __future__ import annotations

import os
import sys
import time

from aueb.ui import runner


class SleepingRun(runner.DistillRun):
    """A run whose process sleeps for a minute, reporting one progress line first."""

    def build_command(self) -> list[str]:
        code = (
            'import sys, time; print(\'{"phase": "teacher", "done": 1, "total": 9}\', file=sys.stderr, '
            "flush=True); time.sleep(60)"
        )
        return [sys.executable, "-c", code]


def process_gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def wait_for(condition, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_a_closed_session_stops_the_run_after_the_grace_period():
    connected = {"yes": True}
    run = SleepingRun(alive=lambda: connected["yes"], grace_s=0.5, poll_s=0.05)
    try:
        assert wait_for(lambda: run.phase == "teacher")
        time.sleep(0.3)
        assert run.state == "running"
        connected["yes"] = False
        started = time.monotonic()
        assert process_gone(run.process.pid)
        assert 0.4 <= time.monotonic() - started < 5
        assert run.state == "cancelled"
        assert run.stop_reason == "its browser tab was closed"
        assert wait_for(lambda: not run.workdir.exists()), "the run's folder is removed after the process ends"
    finally:
        run.cancel()


def test_a_reconnect_within_the_grace_period_keeps_the_run():
    connected = {"yes": True}
    run = SleepingRun(alive=lambda: connected["yes"], grace_s=1.0, poll_s=0.05)
    try:
        connected["yes"] = False
        time.sleep(0.4)
        connected["yes"] = True  # a reload or a network blip: the session is back
        time.sleep(1.0)
        assert run.state == "running" and run.stop_reason is None
    finally:
        run.cancel()
    assert process_gone(run.process.pid)


def test_the_time_limit_stops_any_run():
    run = SleepingRun(time_limit_s=0.5, poll_s=0.05)
    assert process_gone(run.process.pid)
    assert wait_for(lambda: run.stop_reason is not None)
    assert run.state == "cancelled"
    assert run.stop_reason == "it ran past its time limit of 0.5 s"


def test_the_time_limit_is_stated():
    assert runner.RUN_TIME_LIMIT_S == 600
    assert runner.time_limit_text(600) == "10 minutes"
    assert runner.time_limit_text(0.5) == "0.5 s"


def test_a_second_start_in_one_session_is_refused():
    session: dict = {}
    first = runner.start_once(session, "run", lambda: SleepingRun(poll_s=0.05))
    try:
        second = runner.start_once(session, "run", lambda: SleepingRun(poll_s=0.05))
        assert second is None and session["run"] is first
    finally:
        first.cancel()
    # once the first has ended, a new one may start
    third = runner.start_once(session, "run", lambda: SleepingRun(poll_s=0.05))
    try:
        assert third is not None and third is not first
    finally:
        third.cancel()
