"""The measured figures as flat tables (one row per feature, anomaly, price check) for the dashboard and reports."""

from __future__ import annotations

import pandas as pd

from aueb.logs.report import IngestReport

FEATURE_COLUMNS = (
    "feature",
    "requests",
    "users",
    "requests_per_user",
    "input_tokens_mean",
    "input_tokens_p50",
    "input_tokens_p95",
    "cached_input_tokens_mean",
    "output_tokens_mean",
    "output_tokens_p50",
    "output_tokens_p95",
    "cache_hit_rate",
    "dominant_model",
    "dominant_model_share",
    "cost_per_request",
    "cost",
    "growth_monthly",
    "months_to_10x",
    "months_to_100x",
)


def features_frame(report: IngestReport) -> pd.DataFrame:
    rows = []
    for name, figures in report.features.items():
        row = {"feature": name, **figures.model_dump(exclude={"models"})}
        top = max(figures.models.items(), key=lambda kv: kv[1], default=(None, None))
        row["dominant_model"], row["dominant_model_share"] = top
        rows.append(row)
    return pd.DataFrame(rows, columns=list(FEATURE_COLUMNS))


def anomalies_frame(report: IngestReport) -> pd.DataFrame:
    return pd.DataFrame(
        [a.model_dump() for a in report.anomalies], columns=["feature", "date", "cost", "median", "threshold"]
    )


def price_checks_frame(report: IngestReport) -> pd.DataFrame:
    return pd.DataFrame(
        [c.model_dump() for c in report.price_checks],
        columns=["model", "recorded_cost", "recomputed_cost", "ratio", "flagged"],
    )


def already_saved_frame(report: IngestReport) -> pd.DataFrame:
    """Per feature and model: cost at list prices without prompt cache and batch, actual cost, difference."""
    return pd.DataFrame(
        [r.model_dump() for r in report.already_saved],
        columns=["feature", "model", "list_cost", "actual_cost", "saved"],
    )
