"""How every figure is written, in the CLI, the dashboard and the reports: one set of formatters.

Money, shares, multipliers, months and volumes; the risk figures (the same figure reads the same
in `aueb risk`, on the Risk page and in the report) and the tornado's frame; the multiplier parser
of `--multipliers` and of the dashboard's multipliers field. Pure Python and pandas, no streamlit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from aueb.risk import TornadoRow

NA = "n/a"
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CNY": "¥"}


def missing(value: Any) -> bool:
    """None, pandas' NA and NaN: a figure that is undefined (shown as n/a)."""
    if value is None or value is pd.NA:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


# --- money, shares, counts ------------------------------------------------------------------------


def currency_symbol(currency: str) -> str:
    """$ for USD, € for EUR...; the ISO code itself for the others."""
    return _SYMBOLS.get(currency.upper(), currency)


def money(value: Any, currency: str = "USD", unit: str = "") -> str:
    """$19,219 / month, $0.0298 / request, 12,000 CHF: 3 significant digits below 1,000."""
    if missing(value):
        return NA
    v = float(value)
    if abs(v) >= 1000:
        number = f"{v:,.0f}"
    elif abs(v) >= 1:
        number = f"{v:,.2f}"
    elif v == 0:
        number = "0"
    else:
        number = f"{v:#.3g}"
        if "e" in number:
            number = f"{v:.2e}"
    symbol = _SYMBOLS.get(currency.upper())
    text = (
        (f"-{symbol}{number[1:]}" if number.startswith("-") else f"{symbol}{number}")
        if symbol
        else f"{number} {currency}"
    )
    return f"{text} / {unit}" if unit else text


def amount(value: float | None, currency: str = "") -> str:
    """An amount in a table whose header names the currency: 29,800.00, 0.0298 (the CLI's tables)."""
    if missing(value):
        return NA
    v = float(value)  # type: ignore[arg-type]
    digits = 2 if abs(v) >= 1 else 4
    return f"{v:,.{digits}f}{' ' + currency if currency else ''}"


def pct(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage: 0.3973 -> 39.7%."""
    return NA if missing(value) else f"{float(value) * 100:.{digits}f}%"


def times(value: Any) -> str:
    """A ratio or multiplier: 7.77x, 2.6x, 100x."""
    if missing(value):
        return NA
    v = float(value)
    if v >= 100 or v == int(v):
        return f"{v:,.0f}x"
    return f"{v:.3g}x"


def months(value: Any) -> str:
    """A duration in months: 1.4 months, 1.0 month."""
    if missing(value):
        return NA
    v = float(value)
    return f"{v:.1f} month" if round(v, 1) == 1 else f"{v:,.1f} months"


def volume(value: Any, unit: str = "") -> str:
    """A count, compact above 10,000: 950, 25,000, 1.0M, 2.5B."""
    if missing(value):
        return NA
    v = float(value)
    if abs(v) >= 1e9:
        number = f"{v / 1e9:,.1f}B"
    elif abs(v) >= 1e6:
        number = f"{v / 1e6:,.1f}M"
    elif abs(v) >= 1e4 or v == int(v):
        number = f"{v:,.0f}"
    else:
        number = f"{v:,.1f}"
    return f"{number} {unit}" if unit else number


def searched_volume(value: Any) -> str:
    """A volume of the break-even searches: 'never' (None), 'at any volume' (0), else the count."""
    if missing(value):
        return "never"
    return "at any volume" if float(value) == 0 else volume(value)


def count(value: float) -> str:
    """A whole count with thousands separators: 12,345."""
    return f"{value:,.0f}"


def compact(value: float) -> str:
    """A count in a narrow column: 950, 12.3k, 1.5M, 2.0B."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:,.0f}"


# --- the summary figures -------------------------------------------------------------------------


def summary_value(figure: str, value: Any, currency: str) -> str:
    """A figure of the engine's summary as `aueb project`, the Overview and the report write it.

    The saving and the one-time cost as money; the payback in months ('never' when the student saves
    nothing); the ROI as a multiple; the searched volumes as searched_volume writes them; a margin
    collapse multiplier as a multiple ('never' up to 1,000x).
    """
    if figure in ("monthly_saving", "one_time_cost"):
        return money(value, currency)
    if figure == "payback_months":
        return "never" if value is None else months(value)
    if figure == "roi":
        return times(value)
    if figure in ("break_even_monthly_requests", "student_cheaper_from_monthly_requests"):
        return searched_volume(value)
    if figure.startswith("margin_collapse_multiplier"):
        return "never" if value is None else times(value)
    raise KeyError(f"{figure!r} is not a figure of the summary (aueb.engine.SUMMARY_COLUMNS)")


# --- multipliers ----------------------------------------------------------------------------------


def multiplier_label(value: float) -> str:
    """A volume multiplier: 1x, 10x, 2.5x."""
    return f"{value:g}x"


def format_multipliers(values: Iterable[float]) -> str:
    """[1.0, 10.0, 100.0] -> '1, 10, 100' (what parse_multipliers reads back)."""
    return ", ".join(f"{v:g}" for v in values)


def parse_multipliers(text: str) -> list[float]:
    """'1,10,100' (or '1, 10x; 100') -> [1.0, 10.0, 100.0].

    A ValueError names the part that is not a positive number, or the repeated value.
    """
    values = []
    for raw in text.replace(";", ",").split(","):
        part = raw.strip()
        try:
            value = float(re.sub(r"(?<=[0-9.])\s*[xX]$", "", part))
        except ValueError:
            raise ValueError(f"{part!r} is not a number (expected e.g. 1,10,100)") from None
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"{part!r} must be a number above 0")
        values.append(value)
    if len(set(values)) != len(values):
        raise ValueError(f"{text!r} repeats a value")
    return values


# --- the risk figures -----------------------------------------------------------------------------

RISK_SHARES = ("cogs_to_revenue", "gross_margin", "quality")
RISK_COUNTS = ("users", "requests", "correct_outputs")
_RISK_UNITS = {"cost_per_request": "request", "cost_per_correct_output": "output"}


def figure_name(figure: str) -> str:
    """The figure's name without its multiplier and arm: 'ai_cogs@10x/baseline' -> 'ai_cogs'."""
    return re.split(r"[@/]", figure, maxsplit=1)[0]


def risk_value(figure: str, value: Any, currency: str) -> str:
    """A risk figure (a percentile, a tornado end or swing) as the CLI, the Risk page and the report write it.

    Shares and probabilities as percentages, the payback in months, the ROI as a multiple, counts as
    volumes, per-request and per-output costs with their unit, every other amount as money.
    """
    name = figure_name(figure)
    if missing(value):
        return NA
    if name in RISK_SHARES or name.endswith("probability"):
        return pct(value)
    if name == "payback_months":
        return months(value)
    if name == "roi":
        return times(value)
    if name in RISK_COUNTS:
        return volume(value)
    return money(value, currency, _RISK_UNITS.get(name, ""))


def risk_axis_format(figure: str) -> str:
    """The d3 format of a chart axis holding the figure (the tornado's)."""
    name = figure_name(figure)
    if name in RISK_SHARES or name.endswith("probability"):
        return ".1%"
    if name in ("payback_months", "roi"):
        return ",.1f"
    return ",.0f"


def tornado_label(path: str) -> str:
    """An input's path as the tornado's axis reads it: features[Support chat].users -> Support chat › users."""
    return path.replace("features[", "").replace("]", " ›").replace(".", " ")


def tornado_frame(bars: Sequence[TornadoRow], figure: str, currency: str) -> pd.DataFrame:
    """The tornado rows with the labels and shown values the tornado chart draws (dashboard and report)."""
    frame = pd.DataFrame([b.model_dump() for b in bars])
    frame["label"] = [tornado_label(b.input) for b in bars]
    for end in ("low", "high"):
        frame[f"shown_{end}"] = [risk_value(figure, v, currency) for v in frame[f"figure_at_{end}"]]
    return frame
