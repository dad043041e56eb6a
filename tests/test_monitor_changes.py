"""`aueb changes`: the LMDI split of a real log's change, from a log and from a monitor state."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aueb.cli import app

LOG = Path(__file__).resolve().parents[1] / "aueb" / "data" / "logs" / "requests.csv"


def test_changes_json_sums_exactly_and_matches_from_state(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["changes", str(LOG), "--from", "2026-W40", "--to", "2026-W41"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"from", "to", "cost_from", "cost_to", "effects", "cells"}
    assert set(data["effects"]) == {"volume", "mix", "tokens_per_call", "cache_batch", "price"}
    change = data["cost_to"] - data["cost_from"]
    assert abs(sum(data["effects"].values()) - change) <= 1e-9 * abs(change)
    assert abs(sum(c["cost_to"] for c in data["cells"]) - data["cost_to"]) <= 1e-9 * data["cost_to"]
    assert {(c["feature"], c["model"]) for c in data["cells"]} >= {("support_chat", "gpt-4o")}
    assert abs(data["effects"]["price"]) < 1e-9  # one price per model in this catalog: no price effect
    state = tmp_path / "s"
    assert runner.invoke(app, ["monitor", str(LOG), "--state", str(state), "--once"]).exit_code == 0
    csv_out, chart = tmp_path / "c.csv", tmp_path / "w.html"
    again = runner.invoke(
        app,
        [
            "changes",
            "--state",
            str(state),
            "--from",
            "2026-W40",
            "--to",
            "2026-W41",
            "--format",
            "csv",
            "--out",
            str(csv_out),
            "--chart",
            str(chart),
        ],
    )
    assert again.exit_code == 0, again.output
    assert (
        csv_out.read_text().splitlines()[0]
        == "feature,model,cost_from,cost_to,volume,mix,tokens_per_call,cache_batch,price"
    )
    assert "waterfall" in chart.read_text()
    bad = runner.invoke(app, ["changes", "--state", str(state), "--from", "2026-W99", "--to", "2026-W41"])
    assert bad.exit_code == 2 and "2026-W99" in bad.output
