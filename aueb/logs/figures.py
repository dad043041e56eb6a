"""The measured figures, aggregated in DuckDB SQL over the priced model calls; pandas only sees the
aggregates (one row per feature, per feature and day, per model).

`calls` is the view of used records with `cost`, each model call priced at its date and input-token tier
by aueb.pricing's table and formula; a response-cache hit costs nothing and its tokens are left out.

`aggregate` prices the same calls without joining the price table to every record: one pass sums the
used records' tokens per feature, model, provider, UTC day and input-token tier (every row of a group has
the same price row), the price table is joined once to the groups' distinct (model, provider, day, tier)
keys, and the formula, linear in the tokens, prices each group's sums (aueb.pricing.cost_parts_sql). The
figures are then sums over the groups; only users and token percentiles need a second pass over the records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from aueb.errors import InputError
from aueb.logs import trends
from aueb.logs.report import Anomaly, DailyRow, FeatureFigures, Window
from aueb.pricing import COST_PARTS_SQL, COST_SQL, LIST_COST_SQL, cost_parts_sql, list_cost_sql, price_join_sql

HOURS_PER_MONTH = 730.0

_PARTS = COST_PARTS_SQL.items()
CALLS_VIEW = f"""
CREATE OR REPLACE TEMP VIEW calls AS
SELECT r.ts, r.feature, r.user_id, r.model, r.provider, r.input_tokens, r.cached_input_tokens,
    r.cache_write_input_tokens, r.output_tokens, r.cache_hit, r.recorded_cost,
    CASE WHEN r.cache_hit THEN 0.0 ELSE coalesce({COST_SQL}, 0.0) END AS cost,
    CASE WHEN r.cache_hit THEN 0.0 ELSE coalesce({LIST_COST_SQL}, 0.0) END AS list_cost,
    {", ".join(f"CASE WHEN r.cache_hit THEN 0.0 ELSE coalesce({sql}, 0.0) END AS {name}" for name, sql in _PARTS)}
FROM (
    SELECT r.*, m.catalog_provider, m.catalog_model
    FROM records r LEFT JOIN log_models m ON r.model = m.model AND coalesce(r.provider, '') = m.provider
    WHERE NOT r.bad AND NOT r.ignored
) r LEFT JOIN prices p ON {price_join_sql()}
"""


@dataclass(frozen=True)
class Aggregates:
    window: Window
    scale: float  # monthly figures = window totals x scale
    features: dict[str, FeatureFigures]
    daily: pd.DataFrame  # feature, date, requests, cost: every UTC day from the feature's first to the log's last
    anomalies: list[Anomaly]
    model_daily: pd.DataFrame  # model, date, calls, cost, cost_per_call
    dominant: pd.DataFrame  # feature, model, provider, calls: the (model, provider) serving most calls of each feature
    # feature, calls, tokens (uncached, cached, write, output) and their costs over the window's model calls (unscaled)
    token_costs: pd.DataFrame
    already_saved: pd.DataFrame  # feature, model, list_cost, actual_cost (per month, scaled)
    outside_window: int  # used records before the window, left out of the monthly figures
    price_totals: pd.DataFrame  # model, recorded_cost, recomputed_cost over the records that carry a recorded cost


def measure_window(first: datetime, last: datetime, window_hours: float) -> tuple[Window, str, float]:
    """The window (last - window_hours, last], or the whole log when it is shorter; the SQL condition
    selecting its records; the factor that scales its totals to a month."""
    span_hours = (last - first).total_seconds() / 3600
    if span_hours >= window_hours:
        start = last - timedelta(hours=window_hours)
        hours, condition = float(window_hours), f"ts > TIMESTAMP '{start.isoformat(sep=' ')}'"
    else:
        start, hours, condition = first, span_hours, "true"
    if hours <= 0:
        raise InputError(
            f"every usable record is at {last:%Y-%m-%d %H:%M:%S} UTC: a monthly rate needs records at two different "
            "times at least"
        )
    scale = HOURS_PER_MONTH / hours
    return Window(start=start, end=last, hours=hours, scaled=abs(scale - 1) > 1e-12), condition, scale


def _none(value: float | None) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


USED = "records WHERE NOT bad AND NOT ignored"
_SUMS = (
    "input_tokens",
    "cached_input_tokens",
    "cache_write_input_tokens",
    "cache_write_1h_input_tokens",
    "output_tokens",
)


def _tier_bucket(con: duckdb.DuckDBPyConnection) -> str:
    """SQL of a record's input-token bucket: how many of the log's models' tier thresholds its input tokens
    exceed. The records of one bucket, model and day share one price row."""
    thresholds = [
        int(t)
        for (t,) in con.execute("SELECT DISTINCT tier_above FROM prices WHERE tier_above >= 0 ORDER BY 1").fetchall()
    ]
    if not thresholds:
        return "0"
    return " + ".join(f"(input_tokens > {t})::INT" for t in thresholds)


def _priced_groups(con: duckdb.DuckDBPyConnection, condition: str) -> None:
    """Table `priced_groups`: the used records summed per feature, model, provider, UTC day, window, response-cache
    hit, recorded cost present and tier bucket, each group priced by its price row (cache hits at 0)."""
    sums = ", ".join(f"sum({c}) AS {c}" for c in _SUMS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE usage_groups AS
        SELECT feature, model, provider, CAST(ts AS DATE) AS day, ({condition}) AS in_window, cache_hit,
            recorded_cost IS NOT NULL AS recorded, {_tier_bucket(con)} AS bucket,
            count(*) AS requests, min(input_tokens) AS tier_tokens, {sums}, sum(recorded_cost) AS recorded_cost
        FROM {USED} GROUP BY ALL
        """
    )
    parts = cost_parts_sql(requests="requests")
    costs = ", ".join(
        f"CASE WHEN r.cache_hit THEN 0.0 ELSE coalesce({sql}, 0.0) END AS {name}" for name, sql in parts.items()
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE priced_groups AS
        WITH g AS (
            SELECT g.*, m.catalog_provider, m.catalog_model
            FROM usage_groups g LEFT JOIN log_models m ON g.model = m.model AND coalesce(g.provider, '') = m.provider
        ), k AS (
            SELECT DISTINCT catalog_provider, catalog_model, day AS ts, tier_tokens AS input_tokens FROM g
            WHERE catalog_model IS NOT NULL AND tier_tokens IS NOT NULL
        ), kp AS (
            SELECT k.catalog_provider, k.catalog_model, k.ts AS day, k.input_tokens AS tier_tokens,
                p.* EXCLUDE (provider, model)
            FROM k JOIN prices p ON {price_join_sql("k", "p")}
        )
        SELECT r.feature, r.model, r.provider, r.day, r.in_window, r.cache_hit, r.recorded, r.requests,
            {", ".join(f"r.{c}" for c in _SUMS)}, r.recorded_cost,
            CASE WHEN r.cache_hit THEN 0.0 ELSE coalesce({" + ".join(parts.values())}, 0.0) END AS cost,
            CASE WHEN r.cache_hit THEN 0.0 ELSE coalesce({list_cost_sql(requests="requests")}, 0.0) END AS list_cost,
            {costs}
        FROM g r LEFT JOIN kp p ON r.catalog_provider = p.catalog_provider AND r.catalog_model = p.catalog_model
            AND r.day = p.day AND r.tier_tokens = p.tier_tokens
        """
    )


def _feature_figures(con: duckdb.DuckDBPyConnection, condition: str, scale: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    per_feature = con.execute(
        f"""
        SELECT s.*, coalesce(g.requests, 0) AS requests, coalesce(g.hits, 0) AS hits, coalesce(g.cost, 0.0) AS cost
        FROM (
            SELECT * EXCLUDE (input_q, output_q), input_q[1] AS input_p50, input_q[2] AS input_p95,
                output_q[1] AS output_p50, output_q[2] AS output_p95
            FROM (
            SELECT feature, count(DISTINCT user_id) AS users,
                avg(input_tokens) FILTER (NOT cache_hit) AS input_mean,
                avg(cached_input_tokens) FILTER (NOT cache_hit) AS cached_mean,
                avg(output_tokens) FILTER (NOT cache_hit) AS output_mean,
                quantile_cont(input_tokens, [0.5, 0.95]) FILTER (NOT cache_hit) AS input_q,
                quantile_cont(output_tokens, [0.5, 0.95]) FILTER (NOT cache_hit) AS output_q
            FROM {USED} AND {condition} GROUP BY feature
            )
        ) s LEFT JOIN (
            SELECT feature, sum(requests)::BIGINT AS requests,
                CAST(coalesce(sum(requests) FILTER (cache_hit), 0) AS BIGINT) AS hits, sum(cost) AS cost
            FROM priced_groups WHERE in_window GROUP BY feature
        ) g USING (feature)
        ORDER BY feature
        """
    ).df()
    mix = con.execute(
        """
        SELECT feature, model, coalesce(provider, '') AS provider, sum(requests)::BIGINT AS calls
        FROM priced_groups WHERE in_window AND NOT cache_hit GROUP BY ALL ORDER BY feature, calls DESC, model, provider
        """
    ).df()
    per_feature["requests"] = per_feature["requests"].astype(float) * scale
    per_feature["cost"] = per_feature["cost"].astype(float) * scale
    return per_feature, mix


def aggregate(con: duckdb.DuckDBPyConnection, window_hours: float) -> Aggregates:
    first, last = con.execute(f"SELECT min(ts), max(ts) FROM {USED}").fetchall()[0]
    window, condition, scale = measure_window(first, last, window_hours)
    _priced_groups(con, condition)
    per_feature, mix = _feature_figures(con, condition, scale)
    token_costs = con.execute(
        """
        SELECT feature, sum(requests)::BIGINT AS calls,
            sum(input_tokens - cached_input_tokens - cache_write_input_tokens) AS tokens_input,
            sum(cached_input_tokens) AS tokens_cached, sum(cache_write_input_tokens) AS tokens_write,
            sum(output_tokens) AS tokens_output,
            sum(cost_input) AS cost_input, sum(cost_cached) AS cost_cached, sum(cost_write) AS cost_write,
            sum(cost_output) AS cost_output
        FROM priced_groups WHERE in_window AND NOT cache_hit GROUP BY feature ORDER BY feature
        """
    ).df()

    daily = con.execute(
        "SELECT feature, day AS date, sum(requests)::BIGINT AS requests, sum(cost) AS cost FROM priced_groups "
        "GROUP BY ALL"
    ).df()
    daily = _dense_days(daily, last.date())
    model_daily = con.execute(
        """
        SELECT model, day AS date, sum(requests)::BIGINT AS calls, sum(cost) AS cost
        FROM priced_groups WHERE NOT cache_hit GROUP BY ALL ORDER BY model, date
        """
    ).df()
    model_daily["cost_per_call"] = model_daily["cost"] / model_daily["calls"]

    features: dict[str, FeatureFigures] = {}
    found: list[Anomaly] = []
    window_features = per_feature.set_index("feature")
    for feature, days in daily.groupby("feature", sort=True):
        growth = trends.monthly_growth(days["date"], days["requests"])
        for row in trends.anomalies(days["date"], days["cost"]).itertuples(index=False):
            found.append(
                Anomaly(feature=feature, date=row.date, cost=row.cost, median=row.median, threshold=row.threshold)
            )
        shares = mix[mix["feature"] == feature].groupby("model", sort=False)["calls"].sum()
        figures: dict[str, Any]
        if feature in window_features.index:
            f = window_features.loc[feature]
            requests, users, hits, cost = float(f["requests"]), int(f["users"]), int(f["hits"]), float(f["cost"])
            raw_requests = requests / scale
            figures = dict(
                requests=requests,
                users=users,
                requests_per_user=requests / users if users else None,
                input_tokens_mean=_none(f["input_mean"]),
                cached_input_tokens_mean=_none(f["cached_mean"]),
                output_tokens_mean=_none(f["output_mean"]),
                input_tokens_p50=_none(f["input_p50"]),
                input_tokens_p95=_none(f["input_p95"]),
                output_tokens_p50=_none(f["output_p50"]),
                output_tokens_p95=_none(f["output_p95"]),
                cache_hit_rate=hits / raw_requests if raw_requests else None,
                cost=cost,
                cost_per_request=cost / requests if requests else None,
            )
        else:
            figures = dict(
                requests=0.0,
                users=0,
                requests_per_user=None,
                input_tokens_mean=None,
                cached_input_tokens_mean=None,
                output_tokens_mean=None,
                input_tokens_p50=None,
                input_tokens_p95=None,
                output_tokens_p50=None,
                output_tokens_p95=None,
                cache_hit_rate=None,
                cost=0.0,
                cost_per_request=None,
            )
        total_calls = float(shares.sum())
        features[feature] = FeatureFigures(
            **figures,
            models={str(model): float(n) / total_calls for model, n in shares.items()} if total_calls else {},
            growth_monthly=growth,
            months_to_10x=trends.months_to(growth, 10),
            months_to_100x=trends.months_to(growth, 100),
        )
    dominant = mix.drop_duplicates("feature", keep="first").reset_index(drop=True)
    found.sort(key=lambda a: (a.date, a.feature))
    return Aggregates(
        window=window,
        scale=scale,
        features=features,
        daily=daily,
        anomalies=found,
        model_daily=model_daily,
        dominant=dominant,
        token_costs=token_costs,
        already_saved=con.execute(
            f"""
            SELECT feature, model, sum(list_cost) * {scale!r} AS list_cost, sum(cost) * {scale!r} AS actual_cost
            FROM priced_groups WHERE in_window AND NOT cache_hit AND model IS NOT NULL GROUP BY ALL
            ORDER BY feature, model
            """
        ).df(),
        outside_window=int(
            con.execute("SELECT coalesce(sum(requests), 0) FROM priced_groups WHERE NOT in_window").fetchall()[0][0]
        ),
        price_totals=con.execute(
            """
            SELECT model, sum(recorded_cost) AS recorded_cost, sum(cost) AS recomputed_cost
            FROM priced_groups WHERE recorded AND model IS NOT NULL GROUP BY model
            """
        ).df(),
    )


def _dense_days(daily: pd.DataFrame, last_day) -> pd.DataFrame:
    """Every UTC day from each feature's first day to the log's last day, 0 where nothing was logged."""
    daily["date"] = pd.to_datetime(daily["date"]).dt.date
    frames = []
    for feature, rows in daily.groupby("feature", sort=True):
        days = pd.date_range(min(rows["date"]), last_day, freq="D").date
        dense = rows.set_index("date").reindex(days)
        frames.append(
            pd.DataFrame(
                {
                    "feature": feature,
                    "date": days,
                    "requests": dense["requests"].fillna(0).astype(int).to_numpy(),
                    "cost": dense["cost"].fillna(0.0).astype(float).to_numpy(),
                }
            )
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["feature", "date", "requests", "cost"])
    )


def daily_rows(daily: pd.DataFrame) -> list[DailyRow]:
    return [
        DailyRow(date=r.date, feature=r.feature, requests=int(r.requests), cost=float(r.cost))
        for r in daily.itertuples(index=False)
    ]
