"""The Savings plan page through AppTest: totals equal the core's, a toggle drops a lever, Apply sets the scenario."""

from __future__ import annotations

import json

import pytest
from helpers import ROOT, metric, open_page
from typer.testing import CliRunner

from aueb.cli import app
from aueb.engine import project
from aueb.formatting import money
from aueb.plan.inputs import parse_levers
from aueb.plan.levers import evaluate, plan_total, propose
from aueb.plan.replay import load_calls

LOG = ROOT / "aueb" / "data" / "logs" / "requests.csv"

pytestmark = pytest.mark.usefixtures("clear_cache")


def test_savings_page_shows_the_totals_as_aueb_optimize_prints_them() -> None:
    """The default plan at 1x: the page's three cards are the CLI's ALL row, and its caption the CLI's line."""
    printed = CliRunner().invoke(app, ["optimize", str(LOG), "--feature-key", "feature"])
    assert printed.exit_code == 0, printed.output
    lines = printed.stdout.splitlines()
    all_row = next(line for line in lines if line.startswith("ALL "))
    saved_line = next(line for line in lines if line.startswith("Already saved today"))
    at = open_page("savings", timeout=120)
    cards = ("AI COGS today (USD / month)", "After the combined plan (USD / month)", "Monthly saving (USD)")
    assert all_row.split() == ["ALL", *(metric(at, label, exact=True) for label in cards)]
    assert any(c.value.startswith(saved_line + ".") for c in at.caption), [c.value for c in at.caption]


def test_savings_page_follows_toggles_and_multiplier() -> None:
    calls = load_calls([str(LOG)], feature_key="feature")
    specs = propose(calls)
    now, after = plan_total(evaluate(calls, specs, multipliers=(1.0,)), 1.0)
    at = open_page("savings", timeout=120)
    assert metric(at, "After the combined plan (USD / month)", exact=True) == money(after)
    # Drop support_chat's batch: the total is the plan without it, priced once.
    at.toggle(key="ui_savings_support_chat_batch").set_value(False).run()
    rest = [s for s in specs if not (s.feature == "support_chat" and s.lever == "batch")]
    _, without = plan_total(evaluate(calls, rest, multipliers=(1.0,)), 1.0)
    assert metric(at, "After the combined plan (USD / month)", exact=True) == money(without)
    assert without > after
    at.radio(key="ui_savings_multiplier").set_value(100).run()
    assert metric(at, "AI COGS today (USD / month)", exact=True) == money(now * 100)
    at.button(key="ui_savings_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    applied = at.session_state["scenario"]
    assert applied.name.endswith("(savings plan applied)")
    rows = project(applied).rows
    total = rows[(rows["feature"] == "ALL") & (rows["arm"] == "baseline") & (rows["multiplier"] == 1.0)]
    assert float(total["ai_cogs"].iloc[0]) == pytest.approx(without, rel=1e-9)  # the toggled plan, not the full one
    assert any("Next step:" in i.value for i in at.info)


def test_an_uploaded_levers_file_sets_the_levers() -> None:
    ranged = {"low": 0.25, "mode": 0.4, "high": 0.6}
    levers = {"features": {"support_chat": {"caching": {"cached_share": 0.7, "reads_per_write": 8},
                                            "batch": {"share": 0.3}},
                           "summarizer": {"caching": {"cached_share": ranged}}}}  # fmt: skip
    calls = load_calls([str(LOG)], feature_key="feature")
    specs = parse_levers(levers, sorted(str(f) for f in calls.frame["feature"].unique()))
    _, after = plan_total(evaluate(calls, specs, multipliers=(1.0,)), 1.0)
    at = open_page("savings", timeout=120)
    at.file_uploader(key="ui_savings_levers").set_value(("L.json", json.dumps(levers).encode(), "application/json"))
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert metric(at, "After the combined plan (USD / month)") == money(after)
    assert {t.label for t in at.toggle} == {"support_chat: caching", "support_chat: batch", "summarizer: caching"}
    # Dropping a lever of the file: the plan without it, priced once.
    at.toggle(key="ui_savings_support_chat_caching").set_value(False).run()
    rest = [s for s in specs if not (s.feature == "support_chat" and s.lever == "caching")]
    _, without = plan_total(evaluate(calls, rest, multipliers=(1.0,)), 1.0)
    assert metric(at, "After the combined plan (USD / month)") == money(without)


@pytest.mark.parametrize(
    ("levers", "message"),
    [
        (b'{"features": {"support_chat": {"prompt_magic": {}}}}',
         "L.json: feature 'support_chat', lever 'prompt_magic': unknown lever"),
        (b'{"features": {"support_chat": {"batch": {"share": 1.5}}}}',
         "L.json: feature 'support_chat', lever 'batch': share 1.5 is not a share between 0 and 1"),
        (b'{"features": {"support_chat": {"downsizing": {"model": "gpt-9-ultra"}}}}',
         "L.json: feature 'support_chat', lever 'downsizing': model 'gpt-9-ultra'"),
        (b'{"features": {', "L.json: not JSON (line 1"),
    ],
)  # fmt: skip
def test_a_bad_levers_file_is_one_line_and_the_proposals_stay(levers: bytes, message: str) -> None:
    calls = load_calls([str(LOG)], feature_key="feature")
    _, proposed = plan_total(evaluate(calls, propose(calls), multipliers=(1.0,)), 1.0)
    at = open_page("savings", timeout=120)
    at.file_uploader(key="ui_savings_levers").set_value(("L.json", levers, "application/json")).run()
    assert not at.exception
    [error] = [e.value for e in at.error]
    assert error.startswith(message) and "\n" not in error, error
    assert metric(at, "After the combined plan (USD / month)") == money(proposed)
