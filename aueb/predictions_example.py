"""Generate data/predictions_example.csv: a synthetic per-ticket eval matching data/metrics_example.json.

The example metrics describe a support-ticket eval (1,500 held-out tickets, teacher right on 91.2%,
student on about 88.9%). This script draws such an eval, one row per ticket, in which hard tickets
are more often wrong for both models and the student's confidence is lower on them; `aueb cascade`
then measures the example's cascade from it:

    python -m aueb.predictions_example
    aueb cascade data/predictions_example.csv --confidence-column student_confidence \
        --student-correct-column student_correct --teacher-correct-column teacher_correct \
        --into data/metrics_example.json
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

TICKETS = 1500
TEACHER_CORRECT = 1368  # 91.2%, the example's teacher accuracy
STUDENT_CORRECT = 1334  # 88.9%, the example's student accuracy (rounded to a whole ticket)
CLASSES = 12
OUT = Path(__file__).resolve().parent / "data" / "predictions_example.csv"


def main() -> None:
    rng = np.random.default_rng(2025)
    difficulty = rng.uniform(size=TICKETS)
    student_score = -difficulty + 0.2 * rng.normal(size=TICKETS)
    teacher_score = -difficulty + 0.2 * rng.normal(size=TICKETS)
    student_correct = np.zeros(TICKETS, dtype=bool)
    student_correct[np.argsort(-student_score)[:STUDENT_CORRECT]] = True
    teacher_correct = np.zeros(TICKETS, dtype=bool)
    teacher_correct[np.argsort(-teacher_score)[:TEACHER_CORRECT]] = True
    # The student's highest class probability: between 1/12 (no idea) and 1, lower on hard tickets;
    # four decimals, as an eval export rounds them, so some tickets tie.
    signal = student_score + 0.5 * rng.normal(size=TICKETS) + 0.9
    confidence = np.round(1 / CLASSES + (1 - 1 / CLASSES) / (1 + np.exp(-5 * signal)), 4)
    with OUT.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["ticket_id", "student_confidence", "student_correct", "teacher_correct"])
        for i in range(TICKETS):
            writer.writerow(
                [
                    f"T{i + 1:04d}",
                    f"{confidence[i]:.4f}",
                    int(student_correct[i]),
                    str(bool(teacher_correct[i])).lower(),
                ]
            )
    print(f"wrote {OUT}: {TICKETS} tickets")


if __name__ == "__main__":
    main()
