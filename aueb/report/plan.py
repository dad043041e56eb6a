"""The report's "Savings plan" section and sheet, from the JSON of `aueb optimize --format json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from aueb.charts.plan import waterfall_chart
from aueb.errors import InputError
from aueb.formatting import money, months
from aueb.plan.output import waterfall_steps_of
from aueb.report.model import Chart, Section, Sheet, Table, Text

PLAN_KEYS = ("levers", "combined", "already_saved")


def read_plan(path: Path) -> dict[str, Any]:
    """A plan written by `aueb optimize --format json`; one-line errors otherwise."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"--plan {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"--plan {path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    missing = [k for k in PLAN_KEYS if not isinstance(data, dict) or not isinstance(data.get(k), list)]
    if missing:
        raise InputError(f"--plan {path}: {missing[0]} is missing (write it with `aueb optimize --format json`)")
    return data


def _inputs(params: dict[str, Any]) -> str:
    return ", ".join(
        f"{k}={v['mode'] if isinstance(v, dict) else v}" for k, v in params.items() if k != "one_time_cost"
    )


def plan_section(plan: dict[str, Any], currency: str = "USD") -> tuple[Section, list[Sheet]]:
    levers = sorted((r for r in plan["levers"] if r["multiplier"] == 1.0), key=lambda r: r["rank"])
    combined = [r for r in plan["combined"] if r["multiplier"] == 1.0]
    now, after = sum(r["cost_now"] for r in combined), sum(r["cost_after"] for r in combined)
    saved = sum(r["saved"] for r in plan["already_saved"])
    lines = [
        f"Applied together, the chosen levers take the monthly model cost from **{money(now, currency)}** "
        f"to **{money(after, currency)}** "
        f"(a saving of **{money(now - after, currency)}** a month at today's volume; the levers' savings do not add, "
        "so this is priced once, not summed).",
        f"Prompt caching and the batch API already save {money(saved, currency)} a month today.",
    ]
    ranked = Table(
        "Every lever, ranked (at 1x)",
        [
            "Rank",
            "Feature",
            "Lever",
            "Inputs",
            f"Saving / month ({currency})",
            "P10 to P90",
            "Quality",
            "Payback",
        ],
        [
            [
                str(r["rank"]),
                r["feature"],
                r["lever"] + (" (uncertain)" if r["uncertain"] else ""),
                _inputs(r["params"]),
                money(r["saving_monthly"], currency),
                ""
                if r["saving_p10"] == r["saving_p90"]
                else " to ".join(money(r[k], currency) for k in ("saving_p10", "saving_p90")),
                r["quality_change"]
                if isinstance(r.get("quality_change"), str)
                else ("unmeasured" if not r["quality_measured"] else f"{r['quality_after'] - r['quality_now']:+.3f}"),
                months(r["payback_months"]),
            ]
            for r in levers
        ],
        numeric=False,
    )
    plan_table = Table(
        "The combined plan, per feature (at 1x)",
        ["Feature", "Levers", f"Cost now ({currency})", f"Cost after ({currency})", f"Saving ({currency})"],
        [
            [
                r["feature"],
                ", ".join(r["levers"]) or "none",
                money(r["cost_now"], currency),
                money(r["cost_after"], currency),
                money(r["saving_monthly"], currency),
            ]
            for r in combined
        ]
        + [["All features", "", money(now, currency), money(after, currency), money(now - after, currency)]],
    )
    blocks: list[Any] = [Text(lines, "info")]
    start, steps = waterfall_steps_of(plan, 1.0)
    if steps:
        blocks.append(
            Chart(
                "savings_waterfall",
                waterfall_chart(start, steps, currency),
                "ai_cogs",
                "From today's monthly cost to the combined plan's: one bar per lever the plan takes, in rank order, "
                "each the saving it adds to the levers before it (so the bars end at the combined total).",
            )
        )
    section = Section(
        "savings_plan",
        "Savings plan",
        intro="Every lever is priced on the same requests; measured or unchanged quality first.",
        blocks=[*blocks, ranked, plan_table],
    )
    frame = pd.DataFrame([{k: (json.dumps(v) if k == "params" else v) for k, v in r.items()} for r in plan["levers"]])
    monthly = ("cost_now", "cost_after", "saving_monthly", "saving_p10", "saving_p50", "saving_p90")
    formats = {
        **dict.fromkeys(monthly, "money_small"),
        **dict.fromkeys(("feature", "lever", "params", "quality_change"), "text"),
        **dict.fromkeys(("quality_now", "quality_after"), "percent"),
        "one_time_cost": "money",
        "multiplier": "number",
        "payback_months": "number",
        "rank": "count",
    }
    units = {
        **dict.fromkeys(monthly, f"{currency} / month"),
        **dict.fromkeys(("quality_now", "quality_after"), "share"),
        "one_time_cost": currency,
        "multiplier": "x today's volume",
        "payback_months": "months",
    }
    sheets = [Sheet("Savings plan", frame, formats, units=units)]
    if plan.get("waterfall"):
        bars = pd.DataFrame(plan["waterfall"])[["multiplier", "label", "saving"]]
        sheets.append(
            Sheet(
                "Savings waterfall",
                bars,
                {"multiplier": "number", "label": "text", "saving": "money_small"},
                units={"multiplier": "x today's volume", "saving": f"{currency} / month"},
            )
        )
    return section, sheets
