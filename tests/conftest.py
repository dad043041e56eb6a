"""Shared fixtures: the bundled scenarios and a small builder of Scenario objects from dicts.

The builders are plain functions exposed through session-scoped fixtures, so hypothesis tests
(which refuse function-scoped fixtures) can use them too.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from aueb.scenario import Scenario

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = REPO_ROOT / "aueb" / "data" / "scenarios"
CUSTOMER_SUPPORT_PATH = SCENARIOS_DIR / "customer_support.json"
SAAS_PORTFOLIO_PATH = SCENARIOS_DIR / "saas_portfolio.json"


def per_request(cost: float) -> dict[str, Any]:
    return {"kind": "per_request", "cost": cost}


def self_hosted(
    hourly_price: float,
    throughput_rps: float,
    utilization: float = 0.6,
    peak_to_average: float = 1.0,
    min_replicas: int = 1,
) -> dict[str, Any]:
    return {
        "kind": "self_hosted",
        "hourly_price": hourly_price,
        "throughput_rps": throughput_rps,
        "utilization": utilization,
        "peak_to_average": peak_to_average,
        "min_replicas": min_replicas,
    }


def tokens(input_tokens: float, output_tokens: float, **fields: Any) -> dict[str, Any]:
    return {"kind": "tokens", "input_tokens": input_tokens, "output_tokens": output_tokens, **fields}


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `overrides` into a copy of `base`; a value of None removes the key."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict) and "kind" not in value:
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def feature_dict(name: str = "F", **overrides: Any) -> dict[str, Any]:
    """A valid feature: 1,000 users x 10 requests, 1.00 revenue per user, a 0.01 per-request teacher.

    Nested dicts are merged (`teacher={"quality": 0.8}`); a pricing dict (one with `kind`) replaces;
    None removes a key (`coverage=None`)."""
    base = {
        "name": name,
        "users": 1000.0,
        "requests_per_user": 10.0,
        "revenue_per_user": 1.0,
        "teacher": {"name": "T", "quality": 0.9, "pricing": per_request(0.01)},
    }
    return _merge(base, overrides)


def student_dict(pricing: dict[str, Any] | None = None, retention: float = 1.0, **overrides: Any) -> dict[str, Any]:
    base = {"name": "S", "quality_retention": retention, "pricing": pricing or per_request(0.001)}
    return _merge(base, overrides)


def scenario_dict(features: list[dict[str, Any]] | None = None, **overrides: Any) -> dict[str, Any]:
    base = {"name": "S", "multipliers": [1.0], "features": features if features is not None else [feature_dict()]}
    return _merge(base, overrides)


def make_scenario(features: list[dict[str, Any]] | None = None, **overrides: Any) -> Scenario:
    return Scenario.model_validate(scenario_dict(features, **overrides))


def pick(rows: pd.DataFrame, feature: str, multiplier: float, arm: str, scenario: str | None = None) -> dict[str, Any]:
    """The one projection row of `feature` (or 'ALL') at `multiplier` in `arm`, as a dict."""
    mask = (rows["feature"] == feature) & (rows["multiplier"] == multiplier) & (rows["arm"] == arm)
    if scenario is not None:
        mask &= rows["scenario"] == scenario
    found = rows[mask]
    assert len(found) == 1, f"expected one row for {feature!r} x{multiplier} {arm}, found {len(found)}"
    return found.iloc[0].to_dict()


class Builders:
    """Namespace handed to tests by the `sb` fixture."""

    per_request = staticmethod(per_request)
    self_hosted = staticmethod(self_hosted)
    tokens = staticmethod(tokens)
    feature = staticmethod(feature_dict)
    student = staticmethod(student_dict)
    scenario_dict = staticmethod(scenario_dict)
    scenario = staticmethod(make_scenario)
    pick = staticmethod(pick)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark what needs Chromium or torch, so a leg without them selects `-m "not browser and not torch"`."""
    for item in items:
        if item.path.name.startswith("test_browser"):
            item.add_marker(pytest.mark.browser)
        if "distill" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.torch)


@pytest.fixture(scope="session")
def server():
    """The dashboard served on loopback for the browser tests (started once, on first use)."""
    from browser import serve

    yield from serve()


@pytest.fixture(scope="session")
def sb() -> type[Builders]:
    return Builders


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS_DIR


@pytest.fixture(scope="session")
def customer_support_path() -> Path:
    return CUSTOMER_SUPPORT_PATH


@pytest.fixture(scope="session")
def saas_portfolio_path() -> Path:
    return SAAS_PORTFOLIO_PATH


@pytest.fixture(scope="session")
def customer_support() -> Scenario:
    return Scenario.model_validate(json.loads(CUSTOMER_SUPPORT_PATH.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def saas_portfolio() -> Scenario:
    return Scenario.model_validate(json.loads(SAAS_PORTFOLIO_PATH.read_text(encoding="utf-8")))


@pytest.fixture
def default() -> Scenario:
    """The default scenario (the bundled customer_support.json), as the dashboard opens with it."""
    from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios

    return load_scenarios(DEFAULT_SCENARIO_PATH)[0]


@pytest.fixture
def clear_cache():
    """Streamlit's st.cache_data cleared before and after the test (the AppTest modules use it on every test)."""
    import streamlit as st

    st.cache_data.clear()
    yield
    st.cache_data.clear()
