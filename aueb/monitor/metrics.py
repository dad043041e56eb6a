"""The Prometheus exposition of a monitor state (prometheus-client): values are the state's totals, so they
survive a restart (not counts since the process started).

The metrics are computed once per state version, from the state's `totals` table (per day, feature, model,
provider: never the whole usage), by `StateCollector.refresh`, which the monitor calls at the end of each
cycle: a scrape serves what the last cycle computed. A scrape that finds a newer version than the one
computed (a state changed by another path) recomputes it first."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import duckdb
from prometheus_client.core import CollectorRegistry, CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from aueb.monitor import state as st
from aueb.monitor.forecast import forecast

TOTAL = "total"


class StateCollector(Collector):
    def __init__(self, con: duckdb.DuckDBPyConnection, budgets: dict[str | None, float], now: datetime | None):
        self.con, self.budgets, self.now = con, budgets, now
        self._cache: tuple[tuple, list[Metric]] | None = None  # the metrics of one state version
        self._lock = threading.Lock()

    @staticmethod
    def _version(cur: duckdb.DuckDBPyConnection) -> tuple:
        # The state changes only when a cycle commits: the metrics are recomputed once per version.
        return tuple(
            cur.execute(
                "SELECT (SELECT count(*) FROM usage), (SELECT count(*) FROM totals), (SELECT count(*) FROM alerts), "
                "(SELECT max(value) FROM meta WHERE key = 'clock')"
            ).fetchall()[0]
        )

    def refresh(self) -> None:
        """Compute the metrics of the state as it is now (the monitor calls it after each cycle)."""
        cur = self.con.cursor()  # its own connection to the state: safe beside the monitor's thread
        try:
            with self._lock:
                version = self._version(cur)
                if self._cache is None or self._cache[0] != version:
                    self._cache = (version, list(self._collect(cur)))
        finally:
            cur.close()

    def collect(self) -> Iterator[Metric]:
        self.refresh()  # a version check; the metrics themselves were computed at the end of the cycle
        assert self._cache is not None
        yield from self._cache[1]

    def _collect(self, cur: duckdb.DuckDBPyConnection) -> Iterator[Metric]:
        cost = CounterMetricFamily("aueb_cost", "Model cost, USD", labels=["feature", "model", "currency"])
        requests = CounterMetricFamily(
            "aueb_requests", "Requests (response-cache hits included)", labels=["feature", "model"]
        )
        tokens = CounterMetricFamily("aueb_tokens", "Tokens of model calls", labels=["feature", "model", "type"])
        rows = cur.execute(
            """SELECT coalesce(feature, 'total') AS feature, coalesce(model, 'total') AS model, sum(cost),
            sum(requests), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens)
            FROM totals GROUP BY GROUPING SETS ((feature, model), (model)) ORDER BY ALL"""
        ).fetchall()
        for feature, model, c, r, n_in, n_c, n_out in rows:
            cost.add_metric([feature, model, "USD"], float(c or 0))
            requests.add_metric([feature, model], float(r or 0))
            for kind, value in (("input", n_in), ("cached_input", n_c), ("output", n_out)):
                tokens.add_metric([feature, model, kind], float(value or 0))
        yield from (cost, requests, tokens)
        mtd = GaugeMetricFamily("aueb_month_to_date_cost", "Month to date cost, USD", labels=["feature"])
        fc = GaugeMetricFamily(
            "aueb_month_end_forecast", "Month-end cost forecast, USD", labels=["feature", "quantile"]
        )
        remaining = GaugeMetricFamily(
            "aueb_budget_remaining", "Monthly budget minus month to date, USD", labels=["feature"]
        )
        when = self.now or st.clock(cur)
        table = st.daily(cur)
        if when is not None and len(table):
            names: list[str | None] = [None, *sorted(str(f) for f in table["feature"].unique())]
            for feature in names:
                rows_f = table if feature is None else table[table["feature"] == feature]
                result = forecast(rows_f.groupby("date")["cost"].sum(), when.date())
                label = TOTAL if feature is None else feature
                mtd.add_metric([label], result.month_to_date)
                for q, value in (("0.1", result.p10), ("0.5", result.p50), ("0.9", result.p90)):
                    if value is not None:
                        fc.add_metric([label, q], value)
                if self.budgets.get(feature):
                    remaining.add_metric([label], self.budgets[feature] - result.month_to_date)
        yield from (mtd, fc, remaining)
        alerts = CounterMetricFamily("aueb_alerts", "Alerts raised", labels=["rule"])
        for rule, n in cur.execute("SELECT rule, count(*) FROM alerts GROUP BY rule ORDER BY rule").fetchall():
            alerts.add_metric([rule], float(n))
        yield alerts


def registry(collector: StateCollector) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(collector)
    return reg


def serve(
    address: str, con: duckdb.DuckDBPyConnection, budgets: dict[str | None, float], now: datetime | None
) -> tuple[object, StateCollector]:
    """Start the /metrics endpoint at HOST:PORT in a background thread, its metrics computed now; returns the
    server (as prometheus-client gives it) and the collector, whose `refresh` the monitor calls after each cycle."""
    from prometheus_client import start_http_server

    collector = StateCollector(con, budgets, now)
    collector.refresh()
    host, _, port = address.rpartition(":")
    return start_http_server(int(port), addr=host or "127.0.0.1", registry=registry(collector)), collector
