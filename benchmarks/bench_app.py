"""Dashboard speed: the server-side rerun after an input change, and the first render in a browser.

Run: .venv/bin/python benchmarks/bench_app.py [--reruns 10] [--renders 3]
- rerun: AppTest on the Edit scenario page of the default scenario; the teacher's price per request
  is changed each time (so the engine projects a new scenario), and the whole page is rerun.
  Median of --reruns after two warm-up runs. Target: under 300 ms.
- first render: `streamlit run app.py` on a loopback port; Debian's Chromium (Playwright) opens the
  overview in a fresh browser context each time; time from navigation to the readiness signal with
  every plotly chart drawn. Median of --renders.
  --baseline also times an empty Streamlit page and a page with one plotly chart, for context.
Last line: rerun_ms_median=<x> first_render_ms=<y>
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHARTS_DRAWN = """() => {
    const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
    return charts.length > 0 && Array.from(charts).every(c => c.querySelector('.main-svg'))
        && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0;
}"""


DRAWN = """() => document.querySelectorAll('[data-testid="stSkeleton"]').length === 0
    && Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).every(c =>
        c.querySelector('.main-svg'))"""


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BASELINES = {
    "an empty Streamlit page": "import streamlit as st\nst.title('hello')\n",
    "a page with one plotly chart": "import plotly.graph_objects as go\nimport streamlit as st\nst.title('hello')\n"
    "st.plotly_chart(go.Figure(go.Bar(x=[1, 2], y=[1, 2])))\n",
}


def bench_first_render(renders: int, script: str = "app.py", cwd: Path = ROOT) -> tuple[float, list[float]]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("streamlit did not start") from None
                time.sleep(0.3)
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for _ in range(renders):
                context = browser.new_context(viewport={"width": 1440, "height": 1200})  # a fresh cache each time
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(READY, timeout=120_000)
                page.wait_for_function(CHARTS_DRAWN if script == "app.py" else DRAWN, timeout=120_000)
                times.append((time.perf_counter() - start) * 1000)
                context.close()
            browser.close()
        return statistics.median(times), times
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--renders", type=int, default=5)
    parser.add_argument(
        "--baseline", action="store_true", help="also time an empty Streamlit page and a one-chart page, for context"
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
    first, firsts = bench_first_render(args.renders)
    print(
        f"first render in Chromium (navigation to ready, charts drawn): median {first:.0f} ms, all "
        f"{[round(t) for t in firsts]}"
    )
    if args.baseline:
        with tempfile.TemporaryDirectory() as folder:
            for name, code in BASELINES.items():
                (Path(folder) / "baseline.py").write_text(code)
                median, all_times = bench_first_render(args.renders, "baseline.py", Path(folder))
                print(f"baseline, {name}: median {median:.0f} ms, all {[round(t) for t in all_times]}")
    print(f"rerun_ms_median={rerun:.0f} first_render_ms={first:.0f}")


if __name__ == "__main__":
    main()
