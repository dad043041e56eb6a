"""The one-time cost panel of the Distillation page, headless through AppTest."""

from __future__ import annotations

import pytest
from helpers import open_page

from aueb import views
from aueb.distill_cost import CostInputs, estimate

pytestmark = pytest.mark.usefixtures("clear_cache")


def test_the_panel_estimates_and_writes_the_scenario():
    at = open_page("distillation")
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="ui_cost_teacher").set_value("gpt-4o").run()
    at.selectbox(key="ui_cost_fine_tune").set_value("openai / gpt-4o-mini-2024-07-18").run()
    found = estimate(
        CostInputs(
            "gpt-4o",
            10_000,
            500,
            20,
            fine_tune_provider="openai",
            fine_tune_model="gpt-4o-mini-2024-07-18",
            epochs=3,
            eval_examples=1_000,
        )
    )
    shown = [d.value for d in at.dataframe if "part" in d.value.columns][0]
    assert shown["cost"].tolist() == [
        views.money(v, "USD") for v in (found.labelling, found.training, found.evaluation, 0.0, found.total)
    ]
    at.button(key="ui_cost_apply").click().run()
    assert not at.exception, [e.value for e in at.exception]
    student = next(f.student for f in at.session_state["scenario"].features if f.student is not None)
    assert student.distillation.training_examples == 10_000
    assert student.distillation.training_compute == pytest.approx(found.training)


def test_a_bad_teacher_is_one_line():
    at = open_page("distillation")
    at.text_input(key="ui_cost_teacher").set_value("no-such-model-xyz").run()
    assert any("--teacher-model" in e.value or "not in the price catalog" in e.value for e in at.error)
