"""Bad input as one readable line that names the field, the row and the value."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
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
        node = _child(node, key)
    return ".".join(parts)


def _child(node: Any, key: int | str) -> Any:
    """node[key] where node is a dict or list that has it, else None."""
    if isinstance(node, dict) and _has(node, key):
        return node[key]
    if isinstance(node, list) and isinstance(key, int) and _has(node, key):
        return node[key]
    return None


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


_RANGE_PREFIX = re.compile(r"^(?P<field>[a-z_]+)\.(?P<bound>low|mode|high): (?P<rest>.*)$", re.S)


def error_message(error: Mapping[str, Any]) -> str:
    """What is wrong, in a finance user's words: no internal path, the allowed pricing kinds named."""
    if error["type"] == "extra_forbidden" and error["loc"]:
        close = difflib.get_close_matches(str(error["loc"][-1]), _known_fields(), n=1)
        return "unknown field" + (f"; did you mean {close[0]!r}?" if close else "")
    if error["type"] == "union_tag_invalid":
        found = error.get("ctx", {}).get("tag", error.get("input"))
        return f"unknown pricing kind {found!r}; write one of {', '.join(PRICING_KINDS)}"
    if error["type"] == "union_tag_not_found":
        return f"the pricing kind is missing; write one of {', '.join(PRICING_KINDS)}"
    text = error["msg"].removeprefix("Value error, ")
    ranged = _RANGE_PREFIX.match(text)
    if ranged:
        # The range check names `field.bound`; clean_location puts them in the location instead.
        text = ranged["rest"]
    if text == "a number is needed (got None)":
        return "empty; a number is needed"
    # Lower-case only the first letter: the rest may quote what the user wrote.
    message = text[:1].lower() + text[1:]
    if error["type"] in ("missing", "model_type", "dict_type") or "input" not in error or "(got " in message:
        return message
    value = error["input"]
    if isinstance(value, (dict, list)):
        return message
    return f"{message} (got {value!r})"


def _range_keys(error: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys a range check blames (`users.low: ...`) beyond the error's location."""
    ranged = _RANGE_PREFIX.match(error["msg"].removeprefix("Value error, "))
    if not ranged:
        return ()
    keys = () if error["loc"] and str(error["loc"][-1]) == ranged["field"] else (ranged["field"],)
    return (*keys, ranged["bound"])


def clean_location(error: Mapping[str, Any]) -> tuple[int | str, ...]:
    """The error's location as the user wrote it: no pricing-kind tag, a range's bound where it is to blame,
    and the pricing's `kind` when the kind itself is wrong or missing."""
    loc = list(error["loc"])
    cleaned = [key for i, key in enumerate(loc) if not (key in PRICING_KINDS and i and loc[i - 1] == "pricing")]
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        cleaned.append("kind")
    return (*cleaned, *_range_keys(error))


def describe_validation_error(err: ValidationError, data: Any = None, prefix: str = "") -> str:
    """All of a pydantic error's problems on one line, each as `field: message (got value)`."""
    problems = []
    for error in err.errors(include_url=False):
        where = _location(clean_location(error), data)
        problems.append(
            f"{prefix}{where}: {error_message(error)}" if where else f"{prefix}{error_message(error)}".rstrip()
        )
    return "; ".join(problems)
