"""What changed between two periods: the additive LMDI split of the change in model cost over cells
(feature, model) into volume, mix, tokens per call, cache and batch, and price (ECONOMICS.md).

C_i = V * s_i * t_i * k_i * p_i; effect_x = sum_i L(C_i^B, C_i^A) * ln(x_i^B / x_i^A). A cell present in
one period only (or with no cost in one) counts wholly in mix, so the effects sum to C_B - C_A exactly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from aueb.errors import InputError
from aueb.monitor.pricing import price_calls
from aueb.plan.replay import tier_thresholds

EFFECTS = ("volume", "mix", "tokens_per_call", "cache_batch", "price")


@dataclass(frozen=True)
class Period:
    label: str
    start: date  # first day, included
    end: date  # last day, included


def parse_period(text: str) -> Period:
    """`2026-09-01..2026-09-07` (both days included), a month `2026-09`, or an ISO week `2026-W37`."""
    value = text.strip()
    try:
        if ".." in value:
            left, right = value.split("..", 1)
            start, end = date.fromisoformat(left), date.fromisoformat(right)
            if end < start:
                raise InputError(f"period {text!r}: ends before it starts")
            return Period(value, start, end)
        week = re.fullmatch(r"(\d{4})-W(\d{1,2})", value)
        if week:
            start = date.fromisocalendar(int(week[1]), int(week[2]), 1)
            return Period(value, start, start + timedelta(days=6))
        month = re.fullmatch(r"(\d{4})-(\d{2})", value)
        if month:
            start = date(int(month[1]), int(month[2]), 1)
            following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
            return Period(value, start, following - timedelta(days=1))
    except ValueError as exc:
        raise InputError(f"period {text!r}: {exc}") from None
    raise InputError(f"period {text!r}: expected 2026-09-01..2026-09-07, 2026-09 or 2026-W37")


def log_mean(a: float, b: float) -> float:
    """L(a, b) = (a - b) / (ln a - ln b), L(a, a) = a."""
    if a == b:
        return a
    return (a - b) / (math.log(a) - math.log(b))


@dataclass(frozen=True)
class Changes:
    cost_from: float
    cost_to: float
    effects: dict[str, float]
    cells: pd.DataFrame  # feature, model, cost_from, cost_to, and one column per effect


def lmdi(cells_a: pd.DataFrame, cells_b: pd.DataFrame) -> Changes:
    """Each frame: one row per (feature, model) with calls (model calls), cost (actual), cost_ref (at the
    reference prices with its actual cache reads, writes and batch share) and cost_ref_undiscounted (at the
    reference prices, no cache or batch discount)."""
    keys = ["feature", "model"]
    cols = ["calls", "cost", "cost_ref", "cost_ref_undiscounted"]
    a = cells_a.groupby(keys, dropna=False)[cols].sum()
    b = cells_b.groupby(keys, dropna=False)[cols].sum()
    index = a.index.union(b.index)
    a, b = a.reindex(index, fill_value=0.0), b.reindex(index, fill_value=0.0)
    volume_a, volume_b = float(a["calls"].sum()), float(b["calls"].sum())
    rows = []
    for key in index:
        ra, rb = a.loc[key], b.loc[key]
        row = {"feature": key[0], "model": key[1], "cost_from": float(ra["cost"]), "cost_to": float(rb["cost"])}
        row.update(dict.fromkeys(EFFECTS, 0.0))
        both = all(float(r[c]) > 0 for r in (ra, rb) for c in cols)
        if not both:
            row["mix"] = row["cost_to"] - row["cost_from"]
        else:
            weight = log_mean(row["cost_to"], row["cost_from"])

            def factors(r: pd.Series, volume: float) -> dict[str, float]:
                return {
                    "volume": volume,
                    "mix": float(r["calls"]) / volume,
                    "tokens_per_call": float(r["cost_ref_undiscounted"]) / float(r["calls"]),
                    "cache_batch": float(r["cost_ref"]) / float(r["cost_ref_undiscounted"]),
                    "price": float(r["cost"]) / float(r["cost_ref"]),
                }

            fa, fb = factors(ra, volume_a), factors(rb, volume_b)
            for name in EFFECTS:
                row[name] = weight * math.log(fb[name] / fa[name])
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["feature", "model", "cost_from", "cost_to", *EFFECTS])
    return Changes(
        cost_from=float(a["cost"].sum()),
        cost_to=float(b["cost"].sum()),
        effects={name: float(frame[name].sum()) for name in EFFECTS},
        cells=frame,
    )


def to_json(changes: Changes, period_from: str, period_to: str) -> dict:
    return {
        "from": period_from,
        "to": period_to,
        "cost_from": changes.cost_from,
        "cost_to": changes.cost_to,
        "effects": changes.effects,
        "cells": changes.cells.to_dict(orient="records"),
    }


def period_cells(usage: pd.DataFrame, period: Period, reference: date) -> pd.DataFrame:
    """Cells (feature, model) of one period from usage rows (day, feature, model, provider, bucket, calls, token
    sums, cost; aueb.monitor.state.tier_usage): cost is the actual cost; cost_ref and cost_ref_undiscounted price
    the cell's calls at the catalog prices in force on `reference` (the first day of period A).

    A row's calls all lie in one input-token bucket (how many of the catalog's tier thresholds,
    aueb.plan.replay.tier_thresholds, their input tokens exceed), so all have one price row of every catalog model
    at `reference`; the cell is priced per (provider, bucket) group, through the one pricing call
    (aueb.monitor.pricing.price_calls: aueb.pricing's price_row and token_cost), which is pricing each call: t_i
    and k_i are the spec's, tiers included. Rows without `bucket` (a dashboard snapshot written before it was kept)
    are each taken as one call-group, in the bucket of their mean input tokens per call."""
    if "cache_write_input_tokens" not in usage:  # a state written before cache writes were counted
        usage = usage.assign(cache_write_input_tokens=0)
    days = pd.to_datetime(usage["day"]).dt.date
    rows = usage[(days >= period.start) & (days <= period.end)]
    if "bucket" not in rows:
        rows = rows.assign(bucket=bucket_of(rows))
    keys = ["feature", "model", "provider", "bucket"]
    sums = ["calls", "input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens", "cost"]
    grouped = rows.groupby(keys, dropna=False)[sums].sum().reset_index()
    columns = ["feature", "model", "calls", "cost", "cost_ref", "cost_ref_undiscounted"]
    if grouped.empty:
        return pd.DataFrame(columns=columns)
    # Within one bucket the mean input tokens per call lie in the bucket too: price_calls' tier of the mean is the
    # tier of every call, and the formula, linear in the tokens, prices the sums as it prices each call.
    priced = price_calls(grouped, at=reference)
    grouped = grouped.assign(cost_ref=priced["cost"], cost_ref_undiscounted=priced["cost_undiscounted"])
    return grouped.groupby(["feature", "model"], dropna=False)[columns[2:]].sum().reset_index()[columns]


def bucket_of(rows: pd.DataFrame) -> np.ndarray:
    """Per usage row, the input-token bucket of its mean input tokens per call (0 for a row without calls): how
    many of the catalog's tier thresholds it exceeds, as aueb.monitor.pricing.bucket_sql counts them per call."""
    calls = rows["calls"].to_numpy(dtype=float)
    mean = np.divide(rows["input_tokens"].to_numpy(dtype=float), calls, out=np.zeros(len(rows)), where=calls > 0)
    return np.searchsorted(np.asarray(tier_thresholds(), dtype=float), mean, side="left")
