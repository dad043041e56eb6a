"""Monthly budgets: `{"currency": "USD", "total": 5000, "features": {"support": 3000}}`."""

from __future__ import annotations

import json
import math
from pathlib import Path

from aueb.errors import InputError


def load_budgets(path: Path) -> tuple[str, dict[str | None, float]]:
    """The currency and the budgets (None: the total). One-line errors naming the field and value."""
    try:
        data = json.loads(path.read_text())
    except OSError as exc:
        raise InputError(f"--budgets {path}: cannot read it ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"--budgets {path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(f"--budgets {path}: expected an object with currency, total and features")
    currency = data.get("currency", "USD")
    if currency != "USD":
        raise InputError(f"--budgets {path}: currency {currency!r}: the catalog prices in USD")
    unknown = set(data) - {"currency", "total", "features"}
    if unknown:
        raise InputError(f"--budgets {path}: unknown field {sorted(unknown)[0]!r} (expected currency, total, features)")
    budgets: dict[str | None, float] = {}

    def number(name: str, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise InputError(f"--budgets {path}: {name} = {value!r} must be a number above 0")
        return float(value)

    if "total" in data:
        budgets[None] = number("total", data["total"])
    features = data.get("features", {})
    if not isinstance(features, dict):
        raise InputError(f"--budgets {path}: features must be an object of feature: budget")
    for name, value in features.items():
        budgets[str(name)] = number(f"features.{name}", value)
    return currency, budgets
