"""The Prometheus exposition of a monitor state (prometheus-client): values are the state's totals,
read at each scrape, so they survive a restart (not counts since the process started)."""

from __future__ import annotations

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

    def collect(self) -> Iterator[Metric]:
        cur = self.con.cursor()  # its own connection to the state: safe beside the monitor's thread
        try:
            # The state changes only when a cycle commits: the metrics are recomputed once per version.
            version = tuple(
                cur.execute(
                    "SELECT (SELECT count(*) FROM usage), (SELECT coalesce(max(cycle), 0) FROM usage), "
                    "(SELECT count(*) FROM alerts), (SELECT max(value) FROM meta WHERE key = 'clock')"
                ).fetchall()[0]
            )
            if self._cache is None or self._cache[0] != version:
                self._cache = (version, list(self._collect(cur)))
            yield from self._cache[1]
        finally:
            cur.close()

    def _collect(self, cur: duckdb.DuckDBPyConnection) -> Iterator[Metric]:
        cost = CounterMetricFamily("aueb_cost", "Model cost, USD", labels=["feature", "model", "currency"])
        requests = CounterMetricFamily(
            "aueb_requests", "Requests (response-cache hits included)", labels=["feature", "model"]
        )
        tokens = CounterMetricFamily("aueb_tokens", "Tokens of model calls", labels=["feature", "model", "type"])
        rows = cur.execute(
            """SELECT coalesce(feature, 'total') AS feature, coalesce(model, 'total') AS model, sum(cost),
            sum(requests), sum(input_tokens), sum(cached_input_tokens), sum(output_tokens)
            FROM usage GROUP BY GROUPING SETS ((feature, model), (model)) ORDER BY ALL"""
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


def registry(
    con: duckdb.DuckDBPyConnection, budgets: dict[str | None, float], now: datetime | None
) -> CollectorRegistry:
    reg = CollectorRegistry(auto_describe=False)
    reg.register(StateCollector(con, budgets, now))
    return reg


def serve(address: str, con: duckdb.DuckDBPyConnection, budgets: dict[str | None, float], now: datetime | None):
    """Start the /metrics endpoint at HOST:PORT in a background thread; returns the server."""
    from prometheus_client import start_http_server

    host, _, port = address.rpartition(":")
    return start_http_server(int(port), addr=host or "127.0.0.1", registry=registry(con, budgets, now))
