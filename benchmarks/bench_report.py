"""Report speed: `aueb report` on the default scenario, per kind, content built and rendered each time.

Each figure is the median of a few runs in one process (imports excluded, as a dashboard click pays them
once); the PDF includes starting Chromium, laying the page out, drawing the charts and printing.
Targets on 2 cores: HTML < 2 s, XLSX < 2 s, PDF < 15 s.

Run: .venv/bin/python benchmarks/bench_report.py
Last line: html_s=<s> pdf_s=<s> xlsx_s=<s>
"""

from __future__ import annotations

import os
import platform
import statistics
import time

from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios
from aueb.report import build_report, render

RUNS = {".html": 5, ".xlsx": 5, ".pdf": 3}


def seconds(kind: str, runs: int) -> tuple[float, int]:
    scenario = load_scenarios(DEFAULT_SCENARIO_PATH)[0]
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(render(build_report(scenario), kind))
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def main() -> None:
    render(build_report(load_scenarios(DEFAULT_SCENARIO_PATH)[0]), ".html")  # warm the imports and plotly.js read
    results = {}
    for kind, runs in RUNS.items():
        results[kind], size = seconds(kind, runs)
        print(f"{kind[1:]:>4}: {results[kind]:.3f} s (median of {runs}), {size / 1024:,.0f} KB")
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(f"html_s={results['.html']:.2f} pdf_s={results['.pdf']:.2f} xlsx_s={results['.xlsx']:.2f}")


if __name__ == "__main__":
    main()
