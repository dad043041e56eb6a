"""The Savings plan page through AppTest: totals equal the core's, a toggle drops a lever, Apply sets the scenario."""

from __future__ import annotations

import pytest
from helpers import ROOT, metric, open_page

from aueb.engine import project
from aueb.plan.levers import evaluate, plan_total, propose
from aueb.plan.replay import load_calls

LOG = ROOT / "aueb" / "data" / "logs" / "requests.csv"

pytestmark = pytest.mark.usefixtures("clear_cache")


def test_savings_page_follows_toggles_and_multiplier() -> None:
    calls = load_calls([str(LOG)], feature_key="feature")
    specs = propose(calls)
    now, after = plan_total(evaluate(calls, specs, multipliers=(1.0,)), 1.0)
    at = open_page("savings", timeout=120)
    assert metric(at, "After the combined plan (USD / month)", exact=True) == f"${after:,.2f}"
    # Drop support_chat's batch: the total is the plan without it, priced once.
    at.toggle(key="ui_savings_support_chat_batch").set_value(False).run()
    rest = [s for s in specs if not (s.feature == "support_chat" and s.lever == "batch")]
    _, without = plan_total(evaluate(calls, rest, multipliers=(1.0,)), 1.0)
    assert metric(at, "After the combined plan (USD / month)", exact=True) == f"${without:,.2f}"
    assert without > after
    at.radio(key="ui_savings_multiplier").set_value(100).run()
    assert metric(at, "AI COGS today (USD / month)", exact=True) == f"${now * 100:,.2f}"
    at.button(key="ui_savings_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    applied = at.session_state["scenario"]
    assert applied.name.endswith("(savings plan applied)")
    rows = project(applied).rows
    total = rows[(rows["feature"] == "ALL") & (rows["arm"] == "baseline") & (rows["multiplier"] == 1.0)]
    assert float(total["ai_cogs"].iloc[0]) == pytest.approx(without, rel=1e-9)  # the toggled plan, not the full one
    assert any("Next step:" in i.value for i in at.info)
