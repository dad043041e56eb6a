"""Bad input as one readable line that names the field, the row and the value."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

# pydantic puts the tag of a discriminated union in an error's location; users never wrote it.
PRICING_KINDS = ("tokens", "per_request", "self_hosted")


class InputError(ValueError):
    """Input the tool refuses; the message is meant to be shown to the user as it is."""


def _location(loc: tuple[int | str, ...], data: Any) -> str:
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            name = (
                node[key].get("name")
                if isinstance(node, list) and key < len(node) and isinstance(node[key], dict)
                else None
            )
            parts[-1:] = [f"{parts[-1] if parts else ''}[{key}]" + (f" ({name})" if name else "")]
        elif key in PRICING_KINDS and parts and parts[-1].endswith("pricing"):
            continue
        else:
            parts.append(str(key))
        node = node[key] if isinstance(node, (dict, list)) and _has(node, key) else None
    return ".".join(parts)


def _has(node: dict | list, key: int | str) -> bool:
    return key in node if isinstance(node, dict) else isinstance(key, int) and key < len(node)


def _known_fields() -> list[str]:
    from aueb import scenario  # here, not at the top: the scenario module is not needed for other errors

    models = (
        scenario.Scenario,
        scenario.Feature,
        scenario.Teacher,
        scenario.Student,
        scenario.Distillation,
        scenario.TokenPricing,
        scenario.PerRequestPricing,
        scenario.SelfHostedPricing,
    )
    return sorted({name for model in models for name in model.model_fields})


def error_message(error: dict[str, Any]) -> str:
    if error["type"] == "extra_forbidden" and error["loc"]:
        close = difflib.get_close_matches(str(error["loc"][-1]), _known_fields(), n=1)
        return "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
    text = error["msg"].removeprefix("Value error, ")
    # Lower-case only the first letter: the rest may quote what the user wrote.
    message = text[:1].lower() + text[1:]
    if error["type"] in ("missing", "model_type", "dict_type") or "input" not in error:
        return message
    value = error["input"]
    if isinstance(value, (dict, list)):
        return message
    return f"{message} (got {value!r})"


def describe_validation_error(err: ValidationError, data: Any = None, prefix: str = "") -> str:
    """All of a pydantic error's problems on one line, each as `field: message (got value)`."""
    problems = []
    for error in err.errors(include_url=False):
        where = _location(tuple(error["loc"]), data)
        problems.append(
            f"{prefix}{where}: {error_message(error)}" if where else f"{prefix}{error_message(error)}".rstrip()
        )
    return "; ".join(problems)
