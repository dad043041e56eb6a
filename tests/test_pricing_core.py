"""The pricing table, joined in DuckDB and used for one request, equals genai-prices' own calc_price."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import duckdb
import pytest
from genai_prices import Usage, data_snapshot
from genai_prices.types import TimeOfDateConstraint

from aueb.pricing import COST_SQL, price_join_sql, price_table, request_cost, token_cost


def _time_of_day(model) -> bool:  # noqa: ANN001
    prices = model.prices if isinstance(model.prices, list) else []
    return any(isinstance(c.constraint, TimeOfDateConstraint) for c in prices)


def _requests(n_rest: int = 120, per_model: int = 12, seed: int = 17) -> list[dict]:
    table = price_table()
    special = table[
        (table.tier_above >= 0) | (table.p_write != table.p_in) | (table.valid_from.notna()) | (table.valid_to.notna())
    ]
    special_models = set(zip(special.provider, special.model, strict=True))
    snapshot = data_snapshot.get_snapshot()
    models = {(p.id, m.id): (p, m) for p in snapshot.providers for m in p.models if not _time_of_day(m)}
    priced = set(zip(table.provider, table.model, strict=True)) & models.keys()
    rng = random.Random(seed)
    rest = sorted(priced - special_models)
    chosen = sorted(special_models & priced) + rng.sample(rest, min(n_rest, len(rest)))
    requests = []
    for key in chosen:
        rows = table[(table.provider == key[0]) & (table.model == key[1])]
        thresholds = sorted(int(t) for t in rows.tier_above if t >= 0)
        days = sorted({d for d in list(rows.valid_from) + list(rows.valid_to) if d is not None})
        for i in range(per_model):
            near = thresholds[i % len(thresholds)] if thresholds else 200_000
            n_in = rng.choice([0, 1, near, near + 1, rng.randint(1, 2 * near + 10), rng.randint(1, 4000)])
            n_c = rng.randint(0, n_in)
            n_w = rng.randint(0, n_in - n_c)
            n_out = rng.randint(0, 20_000)
            if days and i % 2:
                day = days[i % len(days)] - timedelta(days=i % 3 == 0)
            else:
                day = date(2024, 1, 1) + timedelta(days=rng.randint(0, 1100))
            when = datetime(day.year, day.month, day.day, rng.randint(0, 23), tzinfo=UTC)
            requests.append({"key": key, "n_in": n_in, "n_c": n_c, "n_w": n_w, "n_out": n_out, "when": when})
    return requests


@pytest.fixture(scope="module")
def generated() -> tuple[list[dict], list[float]]:
    requests = _requests()
    snapshot = data_snapshot.get_snapshot()
    providers = {p.id: p for p in snapshot.providers}
    expected = []
    for r in requests:
        provider = providers[r["key"][0]]
        model = next(m for m in provider.models if m.id == r["key"][1])
        usage = Usage(
            input_tokens=r["n_in"],
            cache_read_tokens=r["n_c"],
            cache_write_tokens=r["n_w"],
            output_tokens=r["n_out"],
        )
        expected.append(float(model.calc_price(usage, provider, genai_request_timestamp=r["when"]).total_price))
    return requests, expected


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300) if b else abs(a)


def test_generated_requests_cover_every_tiered_and_cache_write_model(generated) -> None:  # noqa: ANN001
    requests, _ = generated
    table = price_table()
    special = table[(table.tier_above >= 0) | (table.p_write != table.p_in)]
    models = {r["key"] for r in requests}
    snapshot = data_snapshot.get_snapshot()
    tod = {(p.id, m.id) for p in snapshot.providers for m in p.models if _time_of_day(m)}
    assert set(zip(special.provider, special.model, strict=True)) - tod <= models
    assert len(requests) >= 2000
    assert any(r["n_in"] > 200_000 for r in requests)


def test_scalar_cost_equals_calc_price(generated) -> None:  # noqa: ANN001
    requests, expected = generated
    worst = 0.0
    for r, want in zip(requests, expected, strict=True):
        got = request_cost(r["key"][0], r["key"][1], r["n_in"], r["n_c"], r["n_w"], r["n_out"], r["when"])
        worst = max(worst, _rel(got, want))
        assert _rel(got, want) <= 1e-9, (r, got, want)
    print(f"scalar: {len(requests)} requests, {len({r['key'] for r in requests})} models, max rel error {worst:.3g}")


def test_duckdb_join_equals_calc_price(generated) -> None:  # noqa: ANN001
    requests, expected = generated
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    import pandas as pd

    frame = pd.DataFrame(
        {
            "i": range(len(requests)),
            "catalog_provider": [r["key"][0] for r in requests],
            "catalog_model": [r["key"][1] for r in requests],
            "ts": [r["when"].replace(tzinfo=None) for r in requests],
            "input_tokens": [r["n_in"] for r in requests],
            "cached_input_tokens": [r["n_c"] for r in requests],
            "cache_write_input_tokens": [r["n_w"] for r in requests],
            "cache_write_1h_input_tokens": 0,  # every write a 5-minute one, as calc_price's cache_write_tokens alone
            "output_tokens": [r["n_out"] for r in requests],
        }
    )
    con.register("recs", frame)
    con.register("prices", price_table())
    got = con.execute(
        f"SELECT r.i, {COST_SQL} AS cost, count(*) OVER (PARTITION BY r.i) AS n FROM recs r "
        f"LEFT JOIN prices p ON {price_join_sql()} ORDER BY r.i"
    ).fetchall()
    assert [row[0] for row in got] == list(range(len(requests)))  # exactly one price row per request
    worst = max(_rel(row[1], want) for row, want in zip(got, expected, strict=True))
    print(f"duckdb: {len(requests)} requests, max rel error {worst:.3g}")
    assert worst <= 1e-9


def test_formula_shape() -> None:
    # 1,000 uncached at 3, 500 reads at 0.3, 500 writes at 3.75, 100 output at 15, per million tokens.
    assert token_cost(2000, 500, 500, 100, 3.0, 0.3, 3.75, 15.0) == pytest.approx((3000 + 150 + 1875 + 1500) / 1e6)
