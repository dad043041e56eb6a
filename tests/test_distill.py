"""The distillation run in quick mode: direction of the results, the metrics JSON, own data, bad input.

Accuracies are never asserted exactly, only directions over seeds and the contract's invariants.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from aueb.metrics import load_metrics


@pytest.fixture(scope="module")
def distill():
    """main() of `python -m aueb.distill`, skipping where torch is not installed."""
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    from aueb.distill.__main__ import main

    return main


@pytest.fixture(scope="module")
def quick_run(distill, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "metrics.json"
    assert distill(["--quick", "--quiet", "--seed", "7", "--out", str(out)]) == 0
    return load_metrics(out)


def test_distillation_beats_hard_labels_on_most_seeds(quick_run):
    runs = quick_run.per_seed
    assert len(runs) == len(quick_run.seeds) == 3
    assert sum(r.student_accuracy > r.hard_label_accuracy for r in runs) >= 2
    assert quick_run.kd_wins >= 2 and quick_run.kd_gain_pp > 0
    assert sum(r.pseudo_label_accuracy > r.hard_label_accuracy for r in runs) >= 2
    assert quick_run.quality_retention > 0.8


def test_metrics_are_consistent(quick_run):
    teacher, student = quick_run.teacher, quick_run.student
    assert quick_run.quality_retention == pytest.approx(student.accuracy / teacher.accuracy)
    assert quick_run.kd_gain_pp == pytest.approx(np.mean([r.kd_gain_pp for r in quick_run.per_seed]))
    assert teacher.flops_per_example > 100 * student.flops_per_example
    assert teacher.parameters > 100 * student.parameters
    assert student.throughput_batch256 > teacher.throughput_batch256
    price = quick_run.hardware.hourly_price
    assert student.cost_per_million_requests == pytest.approx(price / (student.throughput_batch256 * 3600) * 1e6)
    assert quick_run.labels_per_class == 5 and quick_run.data.labelled_train == 50
    assert set(quick_run.phase_seconds) == {"load", "teacher", "students", "measure"}
    assert quick_run.hardware.threads >= 1


def test_cascade_per_seed_and_pooled(quick_run):
    cascade = quick_run.cascade
    assert quick_run.schema_version == 3 and cascade is not None
    n_test = quick_run.data.test
    assert [r.cascade.n_examples for r in quick_run.per_seed] == [n_test] * len(quick_run.seeds)
    assert cascade.n_examples == n_test * len(quick_run.seeds)
    for r in quick_run.per_seed:
        assert r.cascade.teacher_accuracy == pytest.approx(r.teacher_accuracy)
        assert r.cascade.student_accuracy == pytest.approx(r.student_accuracy)
    # Pooled: every seed's examples once, so the accuracies are the means over seeds.
    assert cascade.teacher_accuracy == pytest.approx(quick_run.teacher.accuracy)
    assert cascade.student_accuracy == pytest.approx(quick_run.student.accuracy)
    assert cascade.points[-1].coverage == 1 and cascade.points[-1].system_accuracy == pytest.approx(
        cascade.student_accuracy
    )
    # The student's confidence ranks its errors: keeping its surest answers beats keeping all of them.
    assert cascade.points[len(cascade.points) // 2].selective_accuracy > cascade.student_accuracy
    assert cascade.aurc < 1 - cascade.student_accuracy


def test_same_seed_gives_the_same_accuracies(distill, quick_run, tmp_path):
    out = tmp_path / "again.json"
    assert distill(["--quick", "--quiet", "--seed", "7", "--out", str(out)]) == 0
    again = load_metrics(out)
    fields = ("teacher_accuracy", "student_accuracy", "hard_label_accuracy", "pseudo_label_accuracy", "agreement")
    assert [[getattr(r, f) for f in fields] for r in again.per_seed] == [
        [getattr(r, f) for f in fields] for r in quick_run.per_seed
    ]


def test_table_on_stdout_and_jsonl_progress_on_stderr(distill, tmp_path, capsys):
    out = tmp_path / "runs" / "metrics.json"
    assert (
        distill(["--quick", "--seeds", "1", "--labels-per-class", "all", "--progress", "jsonl", "--out", str(out)]) == 0
    )
    captured = capsys.readouterr()
    assert "quality retention" in captured.out and "examples/s, batch 256" in captured.out
    events = [json.loads(line) for line in captured.err.splitlines()]
    assert {"teacher", "students", "measure"} <= {e["phase"] for e in events}
    assert all({"phase", "done", "total", "message"} <= set(e) for e in events[:-1])
    assert events[-1] == {"phase": "done", "out": str(out)}
    metrics = load_metrics(out)
    assert metrics.labels_per_class is None and metrics.data.labelled_train == metrics.data.train_inputs


@pytest.fixture(scope="module")
def digits_csv(distill, tmp_path_factory):
    """400 digits as a CSV: 64 pixel columns, a label that is blank on most rows, an external teacher's outputs."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x, y = x[:400], y[:400]
    rng = np.random.default_rng(0)
    lines = ["id," + ",".join(f"px{i}" for i in range(64)) + ",label," + ",".join(f"p{c}" for c in range(10)) + ",llm"]
    for row, (pixels, label) in enumerate(zip(x, y, strict=True)):
        guess = label if rng.random() < 0.95 else (label + 1) % 10  # an external teacher, right 95% of the time
        probs = np.full(10, 0.02)
        probs[guess] = 0.82
        shown = str(label) if row % 5 < 2 else ""  # 40% labelled
        lines.append(
            f"t{row},"
            + ",".join(f"{v:g}" for v in pixels)
            + f",{shown},"
            + ",".join(f"{p:g}" for p in probs)
            + f",{guess}"
        )
    path = tmp_path_factory.mktemp("data") / "tickets.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


PIXELS = ",".join(f"px{i}" for i in range(64))
PROBS = ",".join(f"p{c}" for c in range(10))


def test_own_data_with_a_trained_teacher(distill, digits_csv, tmp_path):
    out = tmp_path / "m.json"
    args = [
        "--quick",
        "--quiet",
        "--seeds",
        "1",
        "--data",
        str(digits_csv),
        "--label-column",
        "label",
        "--feature-columns",
        PIXELS,
    ]
    assert distill([*args, "--out", str(out)]) == 0
    metrics = load_metrics(out)
    assert metrics.data.features == 64 and metrics.data.train_inputs == 400 - metrics.data.test
    assert metrics.data.labelled_train == 160 - metrics.data.test  # every labelled training row by default
    assert metrics.teacher.parameters is not None


@pytest.mark.parametrize("teacher", [["--teacher-prob-columns", PROBS], ["--teacher-label-column", "llm"]])
def test_own_data_with_an_external_teacher(distill, digits_csv, tmp_path, capsys, teacher):
    out = tmp_path / "m.json"
    args = [
        "--quick",
        "--seeds",
        "2",
        "--labels-per-class",
        "3",
        "--data",
        str(digits_csv),
        "--label-column",
        "label",
        "--feature-columns",
        PIXELS,
    ]
    assert distill([*args, *teacher, "--progress", "jsonl", "--out", str(out)]) == 0
    assert "external" in capsys.readouterr().out
    metrics = load_metrics(out)
    assert metrics.teacher.parameters is None and metrics.teacher.throughput_batch256 is None
    assert metrics.teacher.accuracy > 0.85  # the synthetic teacher is right 95% of the time
    assert metrics.quality_retention == pytest.approx(metrics.student.accuracy / metrics.teacher.accuracy)
    assert metrics.data.labelled_train == 30
    # The cascade escalates to the external teacher: its accuracy is that teacher's on the test rows.
    assert metrics.cascade.teacher_accuracy == pytest.approx(metrics.teacher.accuracy)
    assert [r.cascade.n_examples for r in metrics.per_seed] == [metrics.data.test] * 2


def write(tmp_path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def small_csv(rows: int = 20, label=lambda i: i % 2, value=lambda i: i) -> str:
    return "a,b,y\n" + "".join(f"{value(i)},{i * 2},{label(i)}\n" for i in range(rows))


@pytest.mark.parametrize(
    ("files", "args", "expected"),
    [
        (
            {"d.csv": small_csv()},
            ["--label-column", "label"],
            "error: --label-column 'label' is not a column of d.csv (columns: a, b, y)",
        ),
        (
            {"d.csv": small_csv()},
            ["--label-column", "y", "--teacher-prob-columns", "p0,p1"],
            "error: teacher column 'p0' is not a column",
        ),
        (
            {"d.csv": small_csv()},
            ["--label-column", "y", "--feature-columns", "a,c"],
            "error: feature column 'c' is not a column",
        ),
        (
            {"d.csv": small_csv(value=lambda i: "x" if i == 3 else i)},
            ["--label-column", "y"],
            "error: feature column 'a', line 5: 'x' is not a number",
        ),
        (
            {"d.csv": small_csv(value=lambda i: "" if i == 0 else i)},
            ["--label-column", "y"],
            "error: feature column 'a', line 2: an empty value is not a number",
        ),
        (
            {"d.csv": small_csv(label=lambda i: "cat")},
            ["--label-column", "y"],
            "error: label column 'y' has a single class ('cat')",
        ),
        (
            {"d.csv": small_csv(label=lambda i: "")},
            ["--label-column", "y"],
            "error: label column 'y' has no labelled rows",
        ),
        ({"d.csv": small_csv(rows=6)}, ["--label-column", "y"], "error: too few labelled rows in column 'y'"),
        (
            {"d.csv": small_csv(label=lambda i: "a" if i else "b")},
            ["--label-column", "y"],
            "error: too few labelled rows in column 'y': 20 in all, 1 of class 'b'",
        ),
        ({"d.csv": "a,y\n"}, ["--label-column", "y"], "error: label column 'y' has no labelled rows"),
        ({"d.csv": ""}, ["--label-column", "y"], "error: cannot read "),
        (
            {"d.csv": small_csv()},
            ["--label-column", "y", "--teacher-prob-columns", "a"],
            "error: --teacher-prob-columns names 1 columns but column 'y' has 2 classes",
        ),
        (
            {"d.csv": small_csv()},
            ["--label-column", "y", "--teacher-prob-columns", "a,y"],
            "error: teacher column 'y' is the label column",
        ),
        (
            {"d.csv": "a,y,p0,p1\n" + "".join(f"{i},{i % 2},{-1 if i == 4 else 0.5},0.5\n" for i in range(20))},
            ["--label-column", "y", "--teacher-prob-columns", "p0,p1"],
            "error: teacher probability column 'p0', line 6: -1 is negative",
        ),
        (
            {"d.csv": "a,y,t\n" + "".join(f"{i},{i % 2},{'dog' if i == 2 else i % 2}\n" for i in range(20))},
            ["--label-column", "y", "--teacher-label-column", "t"],
            "error: teacher label column 't', line 4: 'dog' is not one of the classes of column 'y' (0, 1)",
        ),
        (
            {"d.csv": small_csv()},
            ["--label-column", "y", "--teacher-label-column", "a", "--teacher-prob-columns", "b"],
            "error: give --teacher-prob-columns or --teacher-label-column, not both",
        ),
        ({"d.csv": small_csv()}, [], "error: --data needs --label-column COL"),
    ],
)
def test_bad_data_is_one_line_naming_the_problem(distill, tmp_path, capsys, files, args, expected):
    for name, text in files.items():
        write(tmp_path, text, name)
    assert (
        distill(["--quick", "--quiet", "--data", str(tmp_path / "d.csv"), *args, "--out", str(tmp_path / "m.json")])
        == 2
    )
    captured = capsys.readouterr()
    assert captured.err.startswith(expected), captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--data", "missing.csv", "--label-column", "y"], "error: cannot read missing.csv: no such file"),
        (["--label-column", "y"], "error: --label-column needs --data FILE.csv"),
        (["--seeds", "0"], "error: argument --seeds: must be above 0 (got 0)"),
        (["--seed", "-1"], "error: argument --seed: must be 0 or more (got -1)"),
        (["--temperature", "nan"], "error: argument --temperature: must be a finite number (got nan)"),
        (
            ["--labels-per-class", "few"],
            "error: argument --labels-per-class: must be a whole number or 'all' (got 'few')",
        ),
        (["--hourly-price", "-1"], "error: argument --hourly-price: must be 0 or more (got -1)"),
        (["--progress", "xml"], "error: argument --progress: invalid choice: 'xml'"),
        (["--nonsense"], "error: unrecognized arguments: --nonsense"),
    ],
)
def test_bad_arguments(distill, capsys, args, expected):
    assert distill(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1, err


def test_binary_file_is_refused(distill, tmp_path, capsys):
    path = tmp_path / "model.csv"
    path.write_bytes(bytes(range(256)) * 4)
    assert distill(["--data", str(path), "--label-column", "y"]) == 2
    assert capsys.readouterr().err.startswith(f"error: cannot read {path}")


def test_without_torch_the_message_says_how_to_install(monkeypatch, capsys):
    from aueb.distill.__main__ import main

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    assert main(["--quick"]) == 2
    assert capsys.readouterr().err == "error: the distillation run needs torch: pip install -e '.[distill]'\n"


def test_every_figure_carries_its_interval_and_n(quick_run):
    m = quick_run
    n = m.data.test * len(m.seeds)
    assert m.test_examples == m.teacher.test_examples == m.student.test_examples == n
    for value, band in [
        (m.teacher.accuracy, m.teacher.accuracy_ci95),
        (m.student.accuracy, m.student.accuracy_ci95),
        (m.hard_label_accuracy, m.hard_label_accuracy_ci95),
        (m.pseudo_label_accuracy, m.pseudo_label_accuracy_ci95),
        (m.quality_retention, m.quality_retention_ci95),
        (m.kd_gain_pp, m.kd_gain_pp_ci95),
        (m.cascade.apgr, m.cascade.apgr_ci95),
    ]:
        assert band[0] <= value <= band[1]
    assert all(p.system_accuracy_ci95 is not None for p in m.cascade.points)
    assert m.quality_retention_std is not None


@pytest.mark.torch
def test_seeds_draw_different_splits():
    pytest.importorskip("sklearn")  # the digits come with scikit-learn (the distill extra)
    from aueb.distill.data import load_digits_dataset

    a, b = load_digits_dataset(0), load_digits_dataset(1)
    assert not np.array_equal(a.y_test, b.y_test) or not np.array_equal(a.x_test, b.x_test)
    assert np.bincount(a.y_test).tolist() == np.bincount(b.y_test).tolist()  # stratified: same class counts


def test_seeds_of_a_run_differ(quick_run):
    figures = {(r.teacher_accuracy, r.student_accuracy, r.hard_label_accuracy) for r in quick_run.per_seed}
    assert len(figures) == len(quick_run.per_seed)
