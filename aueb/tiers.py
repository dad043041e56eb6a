"""Industry tiers: where a figure stands against the benchmark table in data/industry_tiers.csv.

Five bands: Elite, Elite-Median (a gap of the table), Median, Median-Low (a gap), Low.
The table's strict signs decide the edges: Median includes both of its ends, Elite and Low
exclude theirs, so the gaps take the remaining edge values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from aueb.errors import InputError
from aueb.resources import data_path

TIERS_PATH = data_path("industry_tiers.csv")
BANDS = ("Elite", "Elite-Median", "Median", "Median-Low", "Low")
TIER_METRICS = ("cogs_to_revenue", "inference_cost_per_request", "routing_coverage", "feature_profitability")
_EDGES = ("elite", "median_min", "median_max", "low")


def load_tiers(path: str | Path = TIERS_PATH) -> pd.DataFrame:
    """The tier table, indexed by metric, with its edges checked for order."""
    try:
        table = pd.read_csv(path, dtype={"metric": str, "label": str, "better": str, "source": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the tier table ({exc})") from None
    missing = [c for c in ("metric", "label", "better", *_EDGES) if c not in table.columns]
    if missing:
        raise InputError(f"{path}: column {missing[0]!r} is missing")
    for row, record in enumerate(table.to_dict("records"), start=2):
        metric = record["metric"]
        if record["better"] not in ("lower", "higher"):
            raise InputError(
                f"{path}: row {row} ({metric}), column better: must be lower or higher (got {record['better']!r})"
            )
        for edge in _EDGES:
            if not isinstance(record[edge], (int, float)) or not np.isfinite(record[edge]):
                raise InputError(
                    f"{path}: row {row} ({metric}), column {edge}: must be a number (got {record[edge]!r})"
                )
        elite, median_min, median_max, low = (float(record[e]) for e in _EDGES)
        ordered = (
            elite <= median_min <= median_max <= low
            if record["better"] == "lower"
            else low <= median_min <= median_max <= elite
        )
        if not ordered:
            raise InputError(
                f"{path}: row {row} ({metric}): edges elite, median_min, median_max, low are out of order for "
                f"better={record['better']}"
            )
    absent = [m for m in TIER_METRICS if m not in set(table["metric"])]
    if absent:
        raise InputError(f"{path}: no row for metric {absent[0]!r}")
    return table.set_index("metric")


def tier_codes(metric: str, values: np.ndarray | pd.Series, tiers: pd.DataFrame) -> np.ndarray:
    """The index in BANDS of each value's band, -1 where the value is undefined (NaN)."""
    row = tiers.loc[metric]
    v = np.asarray(values, dtype=float)
    elite, median_min, median_max, low = (float(row[e]) for e in _EDGES)
    if row["better"] == "lower":
        conditions = [v < elite, v < median_min, v <= median_max, v <= low, v > low]
    else:
        conditions = [v > elite, v > median_max, v >= median_min, v >= low, v < low]
    return np.select(conditions, np.arange(len(BANDS), dtype=np.int8), default=-1).astype(np.int8)


def tier_bands(metric: str, values: np.ndarray | pd.Series, tiers: pd.DataFrame) -> np.ndarray:
    """The band of each value (None where the value is undefined)."""
    codes = tier_codes(metric, values, tiers)
    return np.where(codes >= 0, np.array(BANDS, dtype=object)[codes], None)  # type: ignore[return-value]  # numpy stubs
