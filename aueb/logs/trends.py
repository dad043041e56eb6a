"""Growth and anomalies of daily series, by the rules of docs/economics.md ("Measuring from request logs").

The series are small (one value per feature and UTC day), so numpy works on them directly.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 30.4167
MIN_GROWTH_DAYS = 14
ANOMALY_LOOKBACK_DAYS = 14
ANOMALY_MIN_DAYS = 7
ANOMALY_MADS = 4.0
MAD_TO_SIGMA = 1.4826
ANOMALY_MIN_RISE = 0.5


def monthly_growth(days: pd.Series, requests: pd.Series) -> float | None:
    """g = exp(30.4167 * slope) - 1, the slope of a least-squares line through ln(daily requests)
    against the day; days without requests left out; none under 14 days."""
    mask = np.asarray(requests, dtype=float) > 0
    if int(mask.sum()) < MIN_GROWTH_DAYS:
        return None
    x = (pd.to_datetime(pd.Series(days)[mask]) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype=float)
    y = np.log(np.asarray(requests, dtype=float)[mask])
    slope = np.polyfit(x, y, 1)[0]
    return float(math.expm1(DAYS_PER_MONTH * slope))


def months_to(growth: float | None, multiplier: float) -> float | None:
    """Months until volume reaches `multiplier` x today's: ln(M) / ln(1 + g), only when g > 0."""
    if growth is None or growth <= 0:
        return None
    return math.log(multiplier) / math.log1p(growth)


def anomalies(days: pd.Series, cost: pd.Series) -> pd.DataFrame:
    """Days of one feature (a dense series of consecutive UTC days) whose cost exceeds the median of
    the previous 14 days by more than 4 x 1.4826 x their median absolute deviation and by more than
    50% of that median; at least 7 previous days needed. Columns: date, cost, median, threshold."""
    values = np.asarray(cost, dtype=float)
    n = len(values)
    columns = ["date", "cost", "median", "threshold"]
    if n <= ANOMALY_MIN_DAYS:
        return pd.DataFrame(columns=columns)
    padded = np.concatenate([np.full(ANOMALY_LOOKBACK_DAYS, np.nan), values])
    # Row i holds the 14 days before day i (NaN before the series starts).
    previous = np.lib.stride_tricks.sliding_window_view(padded, ANOMALY_LOOKBACK_DAYS)[:n]
    enough = np.sum(~np.isnan(previous), axis=1) >= ANOMALY_MIN_DAYS
    median = np.full(n, np.nan)
    mad = np.full(n, np.nan)
    median[enough] = np.nanmedian(previous[enough], axis=1)
    mad[enough] = np.nanmedian(np.abs(previous[enough] - median[enough, None]), axis=1)
    threshold = np.maximum(median + ANOMALY_MADS * MAD_TO_SIGMA * mad, (1 + ANOMALY_MIN_RISE) * median)
    flagged = enough & (values > threshold)
    return pd.DataFrame(
        {
            "date": np.asarray(days)[flagged],
            "cost": values[flagged],
            "median": median[flagged],
            "threshold": threshold[flagged],
        },
        columns=columns,
    )
