"""What a distillation run prints: its progress (rich bars or JSON lines, on stderr) and the table of its metrics.

The table goes to stdout with the figures of the metrics file (quality retention, KD gain with their
intervals, size, speed and cost of teacher and student); `python -m aueb.distill` calls these.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import JustifyMethod
    from rich.progress import TaskID


class Bars:
    """Rich progress bars on stderr, one per phase."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.fields[phase]:<9}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=Console(stderr=True),
            transient=False,
        )
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, phase: str, done: int, total: int, message: str) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.progress.add_task(message, total=total, phase=phase)
        self.progress.update(self.tasks[phase], completed=done, total=total, description=message)

    def __enter__(self) -> Bars:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()


def jsonl(phase: str, done: int, total: int, message: str) -> None:
    print(json.dumps({"phase": phase, "done": done, "total": total, "message": message}), file=sys.stderr, flush=True)


def silent(phase: str, done: int, total: int, message: str) -> None:
    pass


def interval(band, fmt: str, unit: str = "") -> str:
    """' (95% interval a to b)' after a figure; nothing for a file without one."""
    return "" if band is None else f" (95% interval {band[0]:{fmt}}{unit} to {band[1]:{fmt}}{unit})"


def print_table(metrics, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    from aueb.quality import verdict

    teacher, student = metrics.teacher, metrics.student

    def cell(value, fmt: str) -> str:
        return "external" if value is None else format(value, fmt)

    def ratio(big, small) -> str:
        return "" if big is None or small is None else f"{big / small:,.1f}x"

    def accuracy(m) -> str:
        return f"{m.accuracy:.2%} ± {m.accuracy_std * 100:.2f}"

    def band(m) -> str:
        return "" if m.accuracy_ci95 is None else f"{m.accuracy_ci95[0]:.1%} to {m.accuracy_ci95[1]:.1%}"

    rows = [
        ("accuracy, % ± std (pp)", accuracy(teacher), accuracy(student), ""),
        (f"  95% interval, n = {metrics.test_examples or 0:,}", band(teacher), band(student), ""),
        *(
            (
                label,
                cell(getattr(teacher, name), fmt),
                format(getattr(student, name), fmt),
                ratio(getattr(student, name), getattr(teacher, name))
                if faster
                else ratio(getattr(teacher, name), getattr(student, name)),
            )
            # (row, figure, format, larger is better): the advantage is the student's, as a multiple
            for label, name, fmt, faster in (
                ("parameters", "parameters", ",", False),
                ("FLOPs per example", "flops_per_example", ",.0f", False),
                ("latency p50, batch 1 (ms)", "latency_ms_p50", ".3f", False),
                ("latency p95, batch 1 (ms)", "latency_ms_p95", ".3f", False),
                ("examples/s, batch 1", "throughput_batch1", ",.0f", True),
                ("examples/s, batch 256", "throughput_batch256", ",.0f", True),
                (
                    f"USD per 1M requests, {metrics.hardware.hourly_price:g}/h",
                    "cost_per_million_requests",
                    ".3g",
                    False,
                ),
            )
        ),
    ]
    table = Table(title=f"{metrics.dataset}\nteacher: {teacher.name}, student: {student.name}", title_justify="left")
    columns: list[tuple[str, JustifyMethod]] = [
        ("", "left"),
        ("teacher", "right"),
        ("student", "right"),
        ("advantage", "right"),
    ]
    for header, justify in columns:
        table.add_column(header, justify=justify)
    for row in rows:
        table.add_row(*row)
    console = Console(file=sys.stdout, soft_wrap=True)  # long lines stay whole: tests and scripts grep them
    console.print(table)
    labels = "all" if metrics.labels_per_class is None else metrics.labels_per_class
    console.print(
        f"quality retention (student / teacher accuracy): [bold]{metrics.quality_retention:.3f}[/]"
        f"{interval(metrics.quality_retention_ci95, '.3f')}, spread across seeds ± "
        f"{metrics.quality_retention_std or 0:.3f}"
    )
    console.print(
        f"KD gain over hard labels ({labels} per class): [bold]{metrics.kd_gain_pp:+.2f} pp[/]"
        f"{interval(metrics.kd_gain_pp_ci95, '+.2f', ' pp')}, spread across seeds ± {metrics.kd_gain_pp_std:.2f}, "
        f"KD wins on {metrics.kd_wins} of {len(metrics.seeds)} seeds"
    )
    console.print(f"verdict: {verdict(metrics.kd_gain_pp_ci95)}")
    console.print(
        f"student accuracy: hard labels {metrics.hard_label_accuracy:.2%}"
        f"{interval(metrics.hard_label_accuracy_ci95, '.1%')}, teacher argmax labels "
        f"{metrics.pseudo_label_accuracy:.2%}{interval(metrics.pseudo_label_accuracy_ci95, '.1%')}, "
        f"soft targets {student.accuracy:.2%}; agrees with teacher on {metrics.agreement:.2%}"
    )
    if metrics.test_examples:
        console.print(
            f"test examples: {metrics.test_examples:,} ({len(metrics.seeds)} seeds, each its own stratified split); "
            "intervals: Wilson for accuracies, paired bootstrap (2,000 resamples) for retention and KD gain"
        )
    phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in (metrics.phase_seconds or {}).items())
    console.print(
        f"{metrics.hardware.device}, {metrics.hardware.threads} threads; wall {metrics.wall_seconds:.1f}s ({phases})"
    )
    if metrics.notes:
        console.print(metrics.notes)
    console.print(f"metrics: {out}")
