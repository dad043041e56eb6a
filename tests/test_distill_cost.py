"""`aueb distill-cost`: the one-time cost on hand-worked cases, the price table, bad input, the scenario filled."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from aueb.cli import app
from aueb.distill_cost import CostError, CostInputs, estimate, find_fine_tune_price, load_price_table
from aueb.scenario import Scenario

RUNNER = CliRunner()
BASE = [
    "distill-cost",
    "--teacher-model",
    "gpt-4o",
    "--examples",
    "10000",
    "--input-tokens",
    "500",
    "--output-tokens",
    "20",
]


def cli(*args):
    return RUNNER.invoke(app, [str(a) for a in args])


def test_fine_tuning_by_hand():
    # gpt-4o lists 2.50 in / 10.00 out per Mtok: 500 x 2.5 + 20 x 10 = 1,450 micro-dollars a request.
    found = estimate(
        CostInputs(
            "gpt-4o",
            10_000,
            500,
            20,
            fine_tune_provider="openai",
            fine_tune_model="gpt-4o-mini",
            epochs=3,
            eval_examples=1_000,
            engineering=2_000,
        )
    )
    assert found.teacher_cost_per_request == pytest.approx(0.00145)
    assert found.labelling == pytest.approx(14.50)  # 10,000 x 0.00145
    assert found.training_tokens == 10_000 * 520 * 3  # 15.6M
    assert found.training == pytest.approx(46.80)  # 15.6 Mtok x 3.00
    # fine-tuned gpt-4o-mini serves at 0.30 / 1.20: 500 x 0.3 + 20 x 1.2 = 174 micro-dollars
    assert found.student_cost_per_request == pytest.approx(0.000174)
    assert found.evaluation == pytest.approx(1_000 * (0.00145 + 0.000174))
    assert found.total == pytest.approx(14.50 + 46.80 + 1.624 + 2_000)


def test_gpu_training_and_a_given_price():
    gpu = estimate(CostInputs("gpt-4o", 1_000, 100, 10, gpu_hours=4, gpu_hourly_price=2.5))
    assert gpu.training == 10.0 and gpu.training_tokens == 0 and gpu.labelling == pytest.approx(1_000 * 0.00035)
    given = estimate(CostInputs("gpt-4o", 1_000, 100, 10, training_price_per_mtok=2.0, epochs=2))
    assert given.training == pytest.approx(1_000 * 110 * 2 * 2.0 / 1e6)


def test_the_table_is_sourced_and_dated_and_exact_names_win():
    table = load_price_table()
    assert all(row.source.startswith("https://") and row.date for row in table)
    assert find_fine_tune_price(table, "openai", "gpt-4o").model == "gpt-4o-2024-08-06"
    assert find_fine_tune_price(table, "OpenAI", "gpt-4o-mini").model == "gpt-4o-mini-2024-07-18"


def test_an_unverified_training_price_must_be_given():
    with pytest.raises(CostError, match="--training-price-per-mtok: the table has no verified training price"):
        estimate(CostInputs("gpt-4o", 10, 5, 2, fine_tune_provider="openai", fine_tune_model="gpt-4.1-mini"))


def test_a_user_table_overrides(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text(
        "provider,model,training_price_per_mtok,fine_tuned_input_price_per_mtok,fine_tuned_output_price_per_mtok,currency,source,date\n"
        "acme,small,1,0,0,USD,https://example.org,2026-01\n",
        encoding="utf-8",
    )
    result = cli(
        *BASE, "--fine-tune-provider", "acme", "--fine-tune-model", "small", "--price-table", path, "--format", "json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["training"] == pytest.approx(10_000 * 520 * 3 / 1e6)
    path.write_text(path.read_text().replace(",1,0,0,", ",-1,0,0,"), encoding="utf-8")
    bad = cli(*BASE, "--fine-tune-provider", "acme", "--fine-tune-model", "small", "--price-table", path)
    assert bad.exit_code == 2 and "prices.csv, line 2, column training_price_per_mtok" in bad.stderr


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--gpu-hours", "1", "--gpu-hourly-price", "2", "--epochs", "-1"],
            "--epochs: must be a number above 0 (got -1)",
        ),
        (
            ["--fine-tune-provider", "nope", "--fine-tune-model", "x"],
            "--fine-tune-provider: 'nope' is not in the fine-tuning price table",
        ),
        (["--gpu-hours", "1"], "--gpu-hours and --gpu-hourly-price: give both"),
        ([], "training: give --fine-tune-provider"),
        (
            ["--gpu-hours", "1", "--gpu-hourly-price", "2", "--teacher-provider", "nowhere"],
            "--teacher-provider: provider 'nowhere'",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(extra, message):
    result = cli(*BASE, *extra)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {message}") and result.stderr.count("\n") == 1


def test_fills_the_scenario(tmp_path, customer_support_path):
    out = tmp_path / "s2.json"
    result = cli(
        *BASE,
        "--fine-tune-provider",
        "openai",
        "--fine-tune-model",
        "gpt-4o-mini",
        "--eval-examples",
        "1000",
        "--engineering",
        "2000",
        "--scenario",
        customer_support_path,
        "--feature",
        "Support chat",
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    distillation = Scenario.model_validate_json(out.read_text()).features[0].student.distillation
    assert distillation.training_examples == 10_000
    assert distillation.training_compute == pytest.approx(46.80)
    assert distillation.engineering == pytest.approx(2_000 + 1.624)
    missing = cli(
        *BASE, "--gpu-hours", "1", "--gpu-hourly-price", "1", "--scenario", customer_support_path, "--feature", "Nope"
    )
    assert missing.exit_code == 2 and "--feature: 'Nope' is not in scenario" in missing.stderr
