"""Dashboard speed: the server-side rerun after an input change, and the first render in a browser.

Run: .venv/bin/python benchmarks/bench_app.py [--reruns 10] [--renders 9] [--baseline]
- rerun: AppTest on the Edit scenario page of the default scenario; the teacher's price per request
  is changed each time (so the engine projects a new scenario), and the whole page is rerun.
  Median of --reruns after two warm-up runs. Target: under 300 ms.
- first render: `streamlit run app.py` on a loopback port; Debian's Chromium (Playwright) opens the
  overview in a fresh browser context each time; time from navigation to the readiness signal with
  every plotly chart drawn. Median of --renders (the first of them on a server that has just started).
  Each render starts once the servers and Chromium are idle (_settle, about 0.4 s), so that no page is drawn
  while the previous one's renderer exits and its session ends. The default of 9 renders (5 before
  2026-12-02): at 5 or 7 the ratio moved by up to 0.24 between runs of the same code.
  --baseline also times an empty Streamlit page and a page with one plotly chart the same way, each on its
  own server, all started together and rendered in turns (overview, empty, one chart, overview, ...), so a
  change of the machine's load falls on all of them; it prints the Overview's ratio to the one-chart page
  (target: at most 1.2x), the ratio of the medians and the median of the per-turn ratios.
  Each page's line also gives the CPU time its server and Chromium used per render (from /proc): unlike the
  wall time, it changes little with the machine's load, and says on which side the time goes.
Last line: rerun_ms_median=<x> first_render_ms=<y> [one_chart_ms=<z> ratio_one_chart=<r>]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from aueb.report.pdf import launch
from aueb.ui.server import serve

ROOT = Path(__file__).resolve().parent.parent

READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Every plotly chart drawn (at least one, on the dashboard) and no element still waiting for its code.
DRAWN = """(charts) => {
    const drawn = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'));
    return drawn.length >= charts && drawn.every(c => c.querySelector('.main-svg'))
        && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0;
}"""
OVERVIEW = "the Overview"
EMPTY = "an empty Streamlit page"
ONE_CHART = "a page with one plotly chart"
# Each baseline page, and the number of plotly charts it draws.
BASELINES = {
    EMPTY: ("import streamlit as st\nst.title('hello')\n", 0),
    ONE_CHART: (
        "import plotly.graph_objects as go\nimport streamlit as st\nst.title('hello')\n"
        "st.plotly_chart(go.Figure(go.Bar(x=[1, 2], y=[1, 2])))\n",
        1,
    ),
}


def bench_rerun(reruns: int) -> tuple[float, list[float]]:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("aueb/ui/routes/edit.py").run()
    key = "in|features|Support chat|teacher|pricing|cost"
    times = []
    for i in range(reruns + 2):
        value = 0.03 + 0.001 * (i + 1)
        widget = at.number_input(key=key).set_value(value)
        start = time.perf_counter()
        widget.run()
        elapsed = time.perf_counter() - start
        assert not at.exception and at.session_state["scenario"].features[0].teacher.pricing.cost == value
        if i >= 2:
            times.append(elapsed * 1000)
    return statistics.median(times), times


def _cpu_ms() -> dict[int, tuple[str, float]]:
    """CPU time (user + system, ms) used so far by each of this process's descendants of a kind we time:
    "server" (the streamlit processes) or "browser" (Chromium's); from /proc, so empty where there is none."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    kinds: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = entry.read_text()
        except OSError:
            continue
        name, fields = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        pid = int(entry.parent.name)
        parents[pid] = int(fields[1])
        kind = "server" if name.startswith("python") else "browser" if name.startswith("chrom") else ""
        if kind:
            kinds[pid] = (kind, (int(fields[11]) + int(fields[12])) * 1000 / tick)
    mine = {}
    for pid, used in kinds.items():
        ancestor = parents.get(pid)
        while ancestor is not None and ancestor not in (0, os.getpid()):
            ancestor = parents.get(ancestor)
        if ancestor == os.getpid():
            mine[pid] = used
    return mine


def _cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU ms by kind between two readings, over the processes alive at the second (a process that ended
    in between, such as the renderer of the context closed before, is left out)."""
    used: dict[str, float] = {}
    for pid, (kind, ms) in after.items():
        used[kind] = used.get(kind, 0.0) + ms - before.get(pid, (kind, 0.0))[1]
    return used


def _settle(limit_s: float = 3.0, window_s: float = 0.2, quiet_ms: float = 20.0) -> float:
    """Wait until the servers and Chromium are idle (under quiet_ms of CPU in a window_s window, over all of
    them), at most limit_s; returns the seconds waited. Each render then starts on a quiet machine rather than
    during the previous page's teardown (its renderer exiting, its session ending on the server)."""
    start = time.monotonic()
    before = _cpu_ms()
    while time.monotonic() - start < limit_s:
        time.sleep(window_s)
        after = _cpu_ms()
        if sum(_cpu_used(before, after).values()) < quiet_ms:
            break
        before = after
    return time.monotonic() - start


def bench_first_render(
    renders: int, baseline: bool
) -> tuple[dict[str, list[float]], dict[str, dict[str, list[float]]]]:
    """Milliseconds of each first render, by page (the Overview, and with baseline the two baseline pages),
    and the CPU milliseconds the servers and Chromium used during each."""
    from playwright.sync_api import sync_playwright

    with ExitStack() as stack:
        pages = {OVERVIEW: (stack.enter_context(serve("app.py", ROOT, "--server.fileWatcherType", "none")), 1)}
        if baseline:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            for name, (code, charts) in BASELINES.items():
                script = folder / f"baseline_{len(pages)}.py"
                script.write_text(code)
                pages[name] = (
                    stack.enter_context(serve(script.name, folder, "--server.fileWatcherType", "none")),
                    charts,
                )
        times: dict[str, list[float]] = {name: [] for name in pages}
        cpu: dict[str, dict[str, list[float]]] = {name: {"server": [], "browser": []} for name in pages}
        settled: list[float] = []
        with sync_playwright() as p:
            browser = launch(p)
            try:
                for _ in range(renders):
                    for name, (url, charts) in pages.items():
                        settled.append(_settle())
                        context = browser.new_context(viewport={"width": 1440, "height": 1200})  # a fresh cache
                        page = context.new_page()
                        before, start = _cpu_ms(), time.perf_counter()
                        page.goto(url)
                        page.wait_for_selector(READY, timeout=120_000)
                        page.wait_for_function(DRAWN, arg=charts, timeout=120_000)
                        times[name].append((time.perf_counter() - start) * 1000)
                        for kind, ms in _cpu_used(before, _cpu_ms()).items():
                            cpu[name][kind].append(ms)
                        context.close()
            finally:
                browser.close()
        print(
            f"waited for a quiet machine before each render: median {statistics.median(settled):.2f} s, "
            f"longest {max(settled):.2f} s"
        )
        return times, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--renders", type=int, default=9)
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also time an empty Streamlit page and a one-chart page, in turns with the Overview, and print the ratio",
    )
    args = parser.parse_args()
    os.chdir(ROOT)
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    rerun, reruns = bench_rerun(args.reruns)
    print(
        f"rerun after an input change (Edit scenario page, AppTest): median {rerun:.0f} ms, all "
        f"{[round(t) for t in reruns]}"
    )
    times, cpu = bench_first_render(args.renders, args.baseline)
    first = statistics.median(times[OVERVIEW])
    for name, all_times in times.items():
        used = ", ".join(f"{kind} {statistics.median(ms):.0f}" for kind, ms in cpu[name].items() if ms)
        print(
            f"first render in Chromium, {name}: median {statistics.median(all_times):.0f} ms, "
            f"all {[round(t) for t in all_times]}; CPU ms (median): {used or 'n/a'}"
        )
    last = f"rerun_ms_median={rerun:.0f} first_render_ms={first:.0f}"
    if args.baseline:
        one = statistics.median(times[ONE_CHART])
        turns = [o / c for o, c in zip(times[OVERVIEW], times[ONE_CHART], strict=True)]
        print(
            f"the Overview against the one-chart page: {first / one:.2f}x (medians), "
            f"per turn {[round(r, 2) for r in turns]}, median {statistics.median(turns):.2f}x; "
            f"load {os.getloadavg()[0]:.2f} at the end"
        )
        last += f" one_chart_ms={one:.0f} ratio_one_chart={first / one:.2f}"
    print(last)


if __name__ == "__main__":
    main()
