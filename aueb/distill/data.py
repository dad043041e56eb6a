"""The data of a distillation run: scikit-learn's digits, or the engineer's own CSV.

Both come out as one `Dataset`: standardised float32 inputs, integer labels (-1 where a training
row has no label), a held-out labelled test split and, for an external teacher, its class
probabilities for every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

TEST_SHARE = 0.3


class DataError(ValueError):
    """Input data that cannot be used; the one-line message names the column, line or value."""


@dataclass(frozen=True)
class Dataset:
    name: str
    class_names: list[str]
    x_train: np.ndarray  # (n_train, features) float32: every training input, the teacher labels them all
    y_train: np.ndarray  # (n_train,) int64: the true class, -1 for an unlabelled row
    x_test: np.ndarray
    y_test: np.ndarray
    teacher_probs_train: np.ndarray | None = None  # (n, classes) from an external teacher, else None
    teacher_probs_test: np.ndarray | None = None
    teacher_name: str | None = None
    texts_train: list[str] | None = None  # the raw texts of a text task (x_* are then their hashed n-grams)
    texts_test: list[str] | None = None

    @property
    def features(self) -> int:
        return self.x_train.shape[1]

    @property
    def classes(self) -> int:
        return len(self.class_names)


def _standardise(x_train: np.ndarray, x_test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Statistics of the training inputs only, so nothing of the test split leaks into training.
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1.0  # constant columns (digits has some blank pixels) stay at zero
    return ((x_train - mean) / std).astype(np.float32), ((x_test - mean) / std).astype(np.float32)


def _split(labelled_rows: np.ndarray, labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test split of the labelled rows: (train rows, test rows)."""
    from sklearn.model_selection import train_test_split

    try:
        return train_test_split(labelled_rows, test_size=TEST_SHARE, random_state=seed, stratify=labels)
    except ValueError:  # sklearn refuses when the test share cannot hold a row of every class
        raise DataError(
            f"too few labelled rows ({len(labelled_rows)}) to hold out {TEST_SHARE:.0%} for testing with every one of "
            f"the {len(set(labels.tolist()))} classes on both sides: label more rows"
        ) from None


def load_digits_dataset(seed: int) -> Dataset:
    """scikit-learn's 8x8 digits (1797 images, 64 pixels, 10 classes), shipped offline."""
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    train_rows, test_rows = _split(np.arange(len(y)), y, seed)
    x_train, x_test = _standardise(x[train_rows].astype(np.float64), x[test_rows].astype(np.float64))
    return Dataset(
        name=f"sklearn digits ({len(y)} images of 8x8 pixels, 10 classes)",
        class_names=[str(c) for c in range(10)],
        x_train=x_train,
        y_train=y[train_rows].astype(np.int64),
        x_test=x_test,
        y_test=y[test_rows].astype(np.int64),
    )


def _sorted_classes(values: list[str]) -> list[str]:
    # Numeric class names sort as numbers (2 before 10), so probability columns line up with them.
    try:
        return sorted(values, key=float)
    except ValueError:
        return sorted(values)


def _numeric_column(frame, column: str, what: str) -> np.ndarray:
    import pandas as pd

    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() | ~np.isfinite(values.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        value = raw.iloc[row]
        shown = "an empty value" if str(value).strip() == "" else repr(value)
        raise DataError(f"{what} column {column!r}, line {row + 2}: {shown} is not a number")
    return values.to_numpy(dtype=np.float64)


def read_csv(path: Path):
    """The CSV as text cells (blank = not given), with stripped column names; DataError if unreadable."""
    import pandas as pd

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError(f"cannot read {path}: no such file") from None
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(f"cannot read {path} as CSV: {reason}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


@dataclass(frozen=True)
class Labels:
    """The label column and an external teacher's outputs, read from a CSV."""

    class_names: list[str]
    y: np.ndarray  # (rows,) int64 class index, -1 where the label is blank
    teacher_probs: np.ndarray | None  # (rows, classes) of an external teacher, else None
    teacher_name: str | None

    @property
    def labelled(self) -> np.ndarray:
        return self.y >= 0


def check_columns(
    frame, path: Path, label_column: str, teacher_columns: list[str], other: list[tuple[str, str]]
) -> None:
    """Every named column exists; the teacher's columns are not the label column."""
    if label_column in teacher_columns:
        raise DataError(
            f"teacher column {label_column!r} is the label column: the teacher's outputs need columns of their own"
        )
    named = [(label_column, "--label-column")] + [(c, "teacher column") for c in teacher_columns] + other
    for column, flag in named:
        if column not in frame.columns:
            raise DataError(f"{flag} {column!r} is not a column of {path.name} (columns: {', '.join(frame.columns)})")


def read_labels(
    frame, label_column: str, teacher_prob_columns: list[str] | None, teacher_label_column: str | None
) -> Labels:
    """Classes from the label column (at least 2, enough labelled rows), and the external teacher's probabilities."""
    labels = frame[label_column].str.strip()
    labelled = (labels != "").to_numpy()
    class_names = _sorted_classes(sorted(set(labels[labelled])))
    if len(class_names) < 2:
        found = f"a single class ({class_names[0]!r})" if class_names else "no labelled rows"
        raise DataError(f"label column {label_column!r} has {found}: distillation needs at least 2 classes")
    y = np.full(len(frame), -1, dtype=np.int64)
    y[labelled] = [class_names.index(v) for v in labels[labelled]]
    counts = np.bincount(y[labelled], minlength=len(class_names))
    if counts.min() < 2 or labelled.sum() < 10:
        scarce = class_names[int(counts.argmin())]
        raise DataError(
            f"too few labelled rows in column {label_column!r}: {int(labelled.sum())} in all, {int(counts.min())} of "
            "class "
            f"{scarce!r} (need at least 10, and 2 per class: one to train on, one to test on)"
        )

    teacher_probs = None
    teacher_name = None
    if teacher_prob_columns:
        if len(teacher_prob_columns) != len(class_names):
            raise DataError(
                f"--teacher-prob-columns names {len(teacher_prob_columns)} columns but column {label_column!r} has "
                f"{len(class_names)} classes ({', '.join(class_names)}): give one column per class, in that order"
            )
        teacher_probs = np.column_stack(
            [_numeric_column(frame, c, "teacher probability") for c in teacher_prob_columns]
        )
        negative = np.argwhere(teacher_probs < 0)
        if len(negative):
            row, col = negative[0]
            raise DataError(
                f"teacher probability column {teacher_prob_columns[col]!r}, line {row + 2}: "
                f"{teacher_probs[row, col]:g} is negative"
            )
        totals = teacher_probs.sum(axis=1)
        if (totals <= 0).any():
            row = int(np.flatnonzero(totals <= 0)[0])
            raise DataError(f"teacher probability columns, line {row + 2}: the probabilities are all zero")
        teacher_probs = teacher_probs / totals[:, None]  # an LLM's top-k probabilities rarely sum to exactly 1
        teacher_name = "external teacher (probabilities)"
    elif teacher_label_column:
        predicted = frame[teacher_label_column].str.strip()
        unknown = ~predicted.isin(class_names).to_numpy()
        if unknown.any():
            row = int(np.flatnonzero(unknown)[0])
            raise DataError(
                f"teacher label column {teacher_label_column!r}, line {row + 2}: {predicted.iloc[row]!r} is not one "
                "of the "
                f"classes of column {label_column!r} ({', '.join(class_names)})"
            )
        teacher_probs = np.eye(len(class_names))[[class_names.index(v) for v in predicted]]
        teacher_name = "external teacher (labels)"
    return Labels(class_names, y, teacher_probs, teacher_name)


def split_rows(labels: Labels, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows: every unlabelled row + 70% of the labelled, test rows: a stratified 30% of the labelled)."""
    labelled = labels.labelled
    train_rows, test_rows = _split(np.flatnonzero(labelled), labels.y[labelled], seed)
    return np.sort(np.concatenate([train_rows, np.flatnonzero(~labelled)])), test_rows


def load_csv_dataset(
    path: str | Path,
    label_column: str,
    seed: int,
    teacher_prob_columns: list[str] | None = None,
    teacher_label_column: str | None = None,
    feature_columns: list[str] | None = None,
) -> Dataset:
    """The engineer's CSV: numeric feature columns, a label column that may be blank (unlabelled).

    Features are `feature_columns`, by default every column but the label and teacher columns. The test split is a
    stratified 30%
    of the labelled rows. With teacher columns the teacher is external: its probabilities (one column
    per class, in the order of the sorted class names) or its predicted label for every row.
    """
    path = Path(path)
    frame = read_csv(path)
    teacher_columns = list(teacher_prob_columns or []) + ([teacher_label_column] if teacher_label_column else [])
    check_columns(frame, path, label_column, teacher_columns, [(c, "feature column") for c in feature_columns or []])
    if feature_columns is None:
        feature_columns = [c for c in frame.columns if c != label_column and c not in teacher_columns]
    overlap = [c for c in feature_columns if c == label_column or c in teacher_columns]
    if overlap:
        raise DataError(f"feature column {overlap[0]!r} is also the label or a teacher column")
    if not feature_columns:
        raise DataError(f"{path.name} has no feature columns besides the label and teacher columns")

    x = np.column_stack([_numeric_column(frame, c, "feature") for c in feature_columns])
    labels = read_labels(frame, label_column, teacher_prob_columns, teacher_label_column)
    y, labelled, class_names, teacher_probs = labels.y, labels.labelled, labels.class_names, labels.teacher_probs
    train_rows, test_rows = split_rows(labels, seed)
    x_train, x_test = _standardise(x[train_rows], x[test_rows])
    return Dataset(
        name=f"{path.name} ({len(frame)} rows, {int(labelled.sum())} labelled, {len(feature_columns)} features, "
        f"{len(class_names)} classes)",
        class_names=class_names,
        x_train=x_train,
        y_train=y[train_rows],
        x_test=x_test,
        y_test=y[test_rows],
        teacher_probs_train=None if teacher_probs is None else teacher_probs[train_rows].astype(np.float32),
        teacher_probs_test=None if teacher_probs is None else teacher_probs[test_rows].astype(np.float32),
        teacher_name=labels.teacher_name,
    )
