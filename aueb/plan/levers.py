"""The levers of the savings plan on a log, the combined plan, the ranking and what is already saved.

Definitions: ECONOMICS.md, "The savings plan". Each lever re-prices the window's model calls with
`replay.price_calls` (tokens as logged); monthly figures are window totals x the ingest scale, and a log's
cost grows in proportion to volume, so the figure at multiplier M is M x the figure at 1x.

A lever's cost is affine in its continuous inputs (cached share c1, 1/w, batch share b1): the plan prices the
calls once per corner of that basis and evaluates ranges on the basis (exact, not an approximation).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aueb.catalog import UnknownModelError, catalog_models, lookup
from aueb.errors import InputError
from aueb.metrics import MetricsError, load_metrics
from aueb.plan.replay import Calls, call_counts, price_calls
from aueb.pricing import price_row, token_cost
from aueb.risk_samples import pert

LEVERS = ("caching", "batch", "downsizing", "routing", "distillation")
LOG_LEVERS = ("caching", "batch", "downsizing")
MODEL_CHOICE = ("downsizing", "routing", "distillation")
DEFAULT_MULTIPLIERS = (1.0, 10.0, 100.0)
# Stated defaults of the proposals made without L.json.
PROPOSED_CACHED_SHARE = 0.5
PROPOSED_BATCH_SHARE = 0.25
DEFAULT_READS_PER_WRITE = 10.0
SAMPLES = 10_000
SEED = 20261201

Number = float | dict[str, float]


@dataclass
class LeverSpec:
    feature: str
    lever: str
    params: dict[str, Any]
    proposal: bool = False


def _number(feature: str, lever: str, key: str, value: Any, share: bool) -> dict[str, float]:
    """A number or a {"low", "mode", "high"} range as a range dict; one-line errors naming feature, lever and value."""
    where = f"feature {feature!r}, lever {lever!r}: {key}"
    if isinstance(value, dict):
        if set(value) != {"low", "mode", "high"}:
            raise InputError(f'{where} {json.dumps(value)} must be a number or {{"low", "mode", "high"}}')
        parts = {k: _number(feature, lever, key, value[k], share)["mode"] for k in ("low", "mode", "high")}
        if not parts["low"] <= parts["mode"] <= parts["high"]:
            raise InputError(f"{where} {json.dumps(value)} needs low <= mode <= high")
        return parts
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"{where} {value!r} is not a number")
    if share and not 0 <= value <= 1:
        raise InputError(f"{where} {value:g} is not a share between 0 and 1")
    if value < 0:
        raise InputError(f"{where} {value:g} may not be negative")
    return {"low": float(value), "mode": float(value), "high": float(value)}


def parse_levers(data: Any, features: list[str], on_scenario: bool = False) -> list[LeverSpec]:
    """The lever specs of an L.json document, checked: known features, levers, models; shares in [0, 1]."""
    if not isinstance(data, dict) or not isinstance(data.get("features"), dict):
        raise InputError('levers: expected {"features": {FEATURE: {LEVER: {...}}}}')
    specs = []
    for feature, levers in data["features"].items():
        if feature not in features:
            raise InputError(f"feature {feature!r}: not in the source (features: {', '.join(features)})")
        if not isinstance(levers, dict):
            raise InputError(f"feature {feature!r}: expected an object of levers, got {levers!r}")
        for lever, params in levers.items():
            if lever not in LEVERS:
                raise InputError(f"feature {feature!r}, lever {lever!r}: unknown lever (levers: {', '.join(LEVERS)})")
            if not isinstance(params, dict):
                raise InputError(f"feature {feature!r}, lever {lever!r}: expected an object, got {params!r}")
            specs.append(LeverSpec(feature, lever, _check(feature, lever, dict(params), on_scenario)))
    return specs


def _check(feature: str, lever: str, params: dict[str, Any], on_scenario: bool = False) -> dict[str, Any]:
    known = {
        "caching": {"cached_share", "reads_per_write", "one_time_cost"},
        "batch": {"share", "one_time_cost"},
        "downsizing": {"model", "provider", "metrics", "one_time_cost"},
        "routing": {"metrics", "one_time_cost"},
        "distillation": {"one_time_cost"},
    }[lever]
    for key in params:
        if key not in known:
            raise InputError(
                f"feature {feature!r}, lever {lever!r}: unknown input {key!r} (inputs: {', '.join(sorted(known))})"
            )
    out: dict[str, Any] = {}
    if lever == "caching":
        if "cached_share" not in params:
            raise InputError(f"feature {feature!r}, lever 'caching': cached_share is missing")
        out["cached_share"] = _number(feature, lever, "cached_share", params["cached_share"], True)
        w = _number(feature, lever, "reads_per_write", params.get("reads_per_write", DEFAULT_READS_PER_WRITE), False)
        if w["low"] <= 0:
            raise InputError(f"feature {feature!r}, lever 'caching': reads_per_write {w['low']:g} must be above 0")
        out["reads_per_write"] = w
    elif lever == "batch":
        if "share" not in params:
            raise InputError(f"feature {feature!r}, lever 'batch': share is missing")
        out["share"] = _number(feature, lever, "share", params["share"], True)
    elif lever == "downsizing":
        model = params.get("model")
        if not isinstance(model, str) or not model:
            raise InputError(f"feature {feature!r}, lever 'downsizing': model {model!r} must be a catalog model name")
        try:
            found = lookup(model, params.get("provider"))
        except UnknownModelError as exc:
            raise InputError(f"feature {feature!r}, lever 'downsizing': {exc}") from None
        out.update(model=found.model, provider=found.provider)
        if params.get("metrics"):
            out["metrics"] = str(params["metrics"])
    elif lever == "routing" and on_scenario:
        if not params.get("metrics"):
            raise InputError(
                f"feature {feature!r}, lever 'routing': metrics is missing (a metrics JSON with a cascade)"
            )
        out["metrics"] = str(params["metrics"])
    elif lever in ("routing", "distillation") and not on_scenario:
        raise InputError(
            f"feature {feature!r}, lever {lever!r}: needs a scenario with a student and a cascade; "
            "not yet priced on a log by this build"
        )
    out["one_time_cost"] = _number(feature, lever, "one_time_cost", params.get("one_time_cost", 0.0), False)["mode"]
    return out


def quality_of(path: str | None) -> tuple[float | None, float | None]:
    """(teacher accuracy, student accuracy) of a metrics JSON, else (None, None): unmeasured."""
    if not path:
        return None, None
    try:
        m = load_metrics(Path(path))
    except (MetricsError, OSError) as exc:
        raise InputError(f"{path}: {exc}") from None
    return m.teacher.accuracy, m.student.accuracy


@dataclass
class _Basis:
    """Window costs of a feature's calls (one model choice) at the corners of the lever inputs."""

    logged: tuple[float, float]  # cached as logged: batch share 0, 1
    plain: tuple[float, float]  # no cache reads or writes
    read: tuple[float, float]  # every input token a cache read, minus plain
    write: tuple[float, float]  # every input token a cache write, minus plain

    def cost(self, c1: Any = None, inv_w: Any = 0.0, b1: Any = 0.0) -> Any:
        def at(i: int) -> Any:
            if c1 is None:
                return self.logged[i]
            return self.plain[i] + c1 * self.read[i] + c1 * inv_w * self.write[i]

        return (1 - b1) * at(0) + b1 * at(1)


def _basis(frame: pd.DataFrame) -> _Basis:
    n_in, zero = frame["input_tokens"].to_numpy(), np.zeros(len(frame))

    def two(**kw: Any) -> tuple[float, float]:
        return float(price_calls(frame, **kw).sum()), float(price_calls(frame, batch_share=1.0, **kw).sum())

    plain = two(cached=zero, written=zero)
    read, write = two(cached=n_in, written=zero), two(cached=zero, written=n_in)
    return _Basis(two(), plain, (read[0] - plain[0], read[1] - plain[1]), (write[0] - plain[0], write[1] - plain[1]))


def _with_model(frame: pd.DataFrame, model: str, provider: str) -> pd.DataFrame:
    moved = frame.copy()
    zeros = np.zeros(len(frame), dtype=np.int8)
    moved["model"] = pd.Categorical.from_codes(zeros, [model])
    moved["provider"] = pd.Categorical.from_codes(zeros, [provider])
    return moved


@dataclass
class PlanResult:
    levers: list[dict[str, Any]] = field(default_factory=list)
    combined: list[dict[str, Any]] = field(default_factory=list)
    already_saved: list[dict[str, Any]] = field(default_factory=list)
    proposals: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"levers": self.levers, "combined": self.combined, "already_saved": self.already_saved}


def propose(calls: Calls, metrics: list[str] | None = None) -> list[LeverSpec]:
    """Candidates without L.json: caching and batch at the stated defaults, downsizing to the three cheapest
    catalog models of the provider of each feature's main model, marked as proposals."""
    specs = []
    for feature, frame in calls.frame.groupby("feature", sort=True, observed=True):
        zero = {"one_time_cost": 0.0}
        share = {"low": PROPOSED_CACHED_SHARE, "mode": PROPOSED_CACHED_SHARE, "high": PROPOSED_CACHED_SHARE}
        w = {"low": DEFAULT_READS_PER_WRITE, "mode": DEFAULT_READS_PER_WRITE, "high": DEFAULT_READS_PER_WRITE}
        specs.append(LeverSpec(str(feature), "caching", {"cached_share": share, "reads_per_write": w, **zero}, True))
        b = {"low": PROPOSED_BATCH_SHARE, "mode": PROPOSED_BATCH_SHARE, "high": PROPOSED_BATCH_SHARE}
        specs.append(LeverSpec(str(feature), "batch", {"share": b, **zero}, True))
        weight = call_counts(frame)
        main = weight.groupby([frame["model"], frame["provider"]], observed=True).sum().idxmax()
        try:
            current = lookup(main[0], main[1] or None)
        except UnknownModelError:
            continue
        n_in, n_c, n_w, n_out = (
            float(frame[c].sum() / weight.sum()) if c in frame else 0.0
            for c in ("input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens")
        )
        candidates = []
        for m in catalog_models():
            if m.provider != current.provider or m.model == current.model:
                continue
            row = price_row(m.provider, m.model, None, n_in)
            if row is not None:
                cost = token_cost(n_in, n_c, n_w, n_out, row.p_in, row.p_cached, row.p_write, row.p_out)
                candidates.append((float(cost + row.p_request), m.model))
        for _, model in sorted(candidates)[:3]:
            specs.append(
                LeverSpec(str(feature), "downsizing", {"model": model, "provider": current.provider, **zero}, True)
            )
    return specs


def _draws(params: dict[str, Any], rng: np.random.Generator, n: int) -> dict[str, np.ndarray | float]:
    out: dict[str, np.ndarray | float] = {}
    for key, value in params.items():
        if isinstance(value, dict) and value["low"] < value["high"]:
            out[key] = pert(rng, np.array([value["low"]]), np.array([value["mode"]]), np.array([value["high"]]), n)[0]
    return out


def _mode(params: dict[str, Any], key: str) -> float:
    return float(params[key]["mode"])


def evaluate(
    calls: Calls,
    specs: list[LeverSpec],
    multipliers: tuple[float, ...] = DEFAULT_MULTIPLIERS,
    samples: int = SAMPLES,
    seed: int = SEED,
) -> PlanResult:
    """Every lever row, the combined plan per feature, the ranking and what caching and batch already save."""
    rng = np.random.default_rng(seed)
    scale = calls.scale
    result = PlanResult(proposals=any(s.proposal for s in specs))
    bases: dict[tuple[str, str, str], _Basis] = {}
    rows: list[dict[str, Any]] = []
    frames = {str(f): g for f, g in calls.frame.groupby("feature", sort=True, observed=True)}

    def basis(feature: str, model: tuple[str, str] | None) -> _Basis:
        key = (feature, *(model or ("", "")))
        if key not in bases:
            frame = frames[feature] if model is None else _with_model(frames[feature], *model)
            bases[key] = _basis(frame)
        return bases[key]

    for spec in specs:
        if spec.feature not in frames:
            continue
        now = basis(spec.feature, None).cost() * scale
        p = spec.params
        quality: tuple[float | None, float | None] = (None, None)
        measured = True
        draws = _draws(p, rng, samples)
        if spec.lever == "caching":
            b = basis(spec.feature, None)
            after = b.cost(_mode(p, "cached_share"), 1 / _mode(p, "reads_per_write")) * scale
            sampled = None
            if draws:
                c1 = draws.get("cached_share", _mode(p, "cached_share"))
                w = draws.get("reads_per_write", _mode(p, "reads_per_write"))
                sampled = now - b.cost(c1, 1 / np.asarray(w)) * scale
        elif spec.lever == "batch":
            b = basis(spec.feature, None)
            after = b.cost(b1=_mode(p, "share")) * scale
            sampled = now - b.cost(b1=draws["share"]) * scale if draws else None
        else:  # downsizing
            after = basis(spec.feature, (p["model"], p["provider"])).cost() * scale
            sampled = None
            quality = quality_of(p.get("metrics"))
            measured = quality[1] is not None
        saving = now - after
        if sampled is not None:
            p10, p50, p90 = (float(x) for x in np.percentile(np.atleast_1d(sampled), [10, 50, 90]))
        else:
            p10 = p50 = p90 = saving
        d = float(p.get("one_time_cost", 0.0))
        rows.append(
            dict(
                spec=spec,
                cost_now=now,
                cost_after=after,
                saving=saving,
                p=(p10, p50, p90),
                quality=quality,
                measured=measured,
                one_time_cost=d,
            )
        )

    # Ranking: measured (or unchanged) quality first, by saving at 1x, largest first; unmeasured after.
    order = sorted(range(len(rows)), key=lambda i: (not rows[i]["measured"], -rows[i]["saving"]))
    rank = {i: r + 1 for r, i in enumerate(order)}
    for i in order:
        r = rows[i]
        spec = r["spec"]
        teacher, student = r["quality"]
        unchanged = spec.lever in ("caching", "batch")
        for m in multipliers:
            saving = r["saving"] * m
            result.levers.append(
                {
                    "feature": spec.feature,
                    "lever": spec.lever,
                    "params": _plain(spec.params),
                    "proposal": spec.proposal,
                    "multiplier": m,
                    "cost_now": r["cost_now"] * m,
                    "cost_after": r["cost_after"] * m,
                    "saving_monthly": saving,
                    "saving_p10": r["p"][0] * m,
                    "saving_p50": r["p"][1] * m,
                    "saving_p90": r["p"][2] * m,
                    "quality_now": teacher,
                    "quality_after": student,
                    "quality_change": "unchanged"
                    if unchanged
                    else (student - teacher if r["measured"] else "unmeasured"),
                    "quality_measured": r["measured"],
                    "one_time_cost": r["one_time_cost"],
                    "payback_months": r["one_time_cost"] / saving if saving > 0 else None,
                    "rank": rank[i],
                    "uncertain": r["p"][0] < 0,
                }
            )
    result.combined = _combined(calls, rows, multipliers, basis, frames)
    result.already_saved = already_saved(calls)
    return result


def _combined(calls, rows, multipliers, basis, frames) -> list[dict[str, Any]]:  # noqa: ANN001
    """Per feature: the chosen levers applied together (model choice, then caching, then batch), priced once.
    A proposal set keeps, per lever, its best measured candidate; an unmeasured downsizing is left out."""
    out = []
    for feature in frames:
        chosen: dict[str, Any] = {}
        for r in rows:
            spec = r["spec"]
            if spec.feature != feature or not r["measured"] or (spec.proposal and r["saving"] <= 0):
                continue
            if spec.lever not in chosen or r["saving"] > chosen[spec.lever]["saving"]:
                chosen[spec.lever] = r
        model = None
        if "downsizing" in chosen:
            p = chosen["downsizing"]["spec"].params
            model = (p["model"], p["provider"])
        b = basis(feature, model)
        c1 = inv_w = None
        if "caching" in chosen:
            p = chosen["caching"]["spec"].params
            c1, inv_w = _mode(p, "cached_share"), 1 / _mode(p, "reads_per_write")
        b1 = _mode(chosen["batch"]["spec"].params, "share") if "batch" in chosen else 0.0
        now = basis(feature, None).cost() * calls.scale
        after = (b.cost(c1, inv_w if inv_w is not None else 0.0, b1)) * calls.scale
        names = [lever for lever in (*MODEL_CHOICE, "caching", "batch") if lever in chosen]
        for m in multipliers:
            out.append(
                {
                    "feature": feature,
                    "multiplier": m,
                    "levers": names,
                    "params": {lever: _plain(chosen[lever]["spec"].params) for lever in names},
                    "cost_now": now * m,
                    "cost_after": after * m,
                    "saving_monthly": (now - after) * m,
                }
            )
    return out


def already_saved(calls: Calls) -> list[dict[str, Any]]:
    """Per feature and model: cost with no cache reads or writes and no batch discount - actual cost, monthly."""
    frame = calls.frame
    actual = price_calls(frame)
    listed = price_calls(frame, cached=np.zeros(len(frame)), written=np.zeros(len(frame)))
    table = pd.DataFrame(
        {"feature": frame["feature"], "model": frame["model"], "list_cost": listed, "actual_cost": actual}
    )
    sums = (
        table.groupby(["feature", "model"], sort=True, observed=True)[["list_cost", "actual_cost"]].sum() * calls.scale
    )
    return [
        {
            "feature": f,
            "model": m,
            "list_cost": float(r.list_cost),
            "actual_cost": float(r.actual_cost),
            "saved": float(r.list_cost - r.actual_cost),
        }
        for (f, m), r in sums.iterrows()
    ]


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Params as written back: a range whose ends are equal becomes its number."""
    return {k: (v["mode"] if isinstance(v, dict) and v["low"] == v["high"] else v) for k, v in params.items()}


def load_levers(path: str, features: list[str], on_scenario: bool = False) -> list[LeverSpec]:
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise InputError(f"--levers {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"--levers {path}: not JSON (line {exc.lineno}: {exc.msg})") from None
    return parse_levers(data, features, on_scenario)


def plan_total(result: PlanResult, multiplier: float = 1.0) -> tuple[float, float]:
    """(monthly cost now, after the combined plan), summed over features at one multiplier."""
    rows = [r for r in result.combined if r["multiplier"] == multiplier]
    return sum(r["cost_now"] for r in rows), sum(r["cost_after"] for r in rows)


def waterfall_steps(calls: Calls, specs: list[LeverSpec], multiplier: float = 1.0) -> list[tuple[str, float]]:
    """The levers the combined plan takes, in rank order, each with the saving it adds to those before it
    (so the bars run exactly from today's cost to the combined plan's, which no sum of lever rows does)."""
    full = evaluate(calls, specs, multipliers=(1.0,), samples=1)
    taken = {(r["feature"], lever) for r in full.combined for lever in r["levers"]}
    ranked = sorted(
        (r for r in full.levers if (r["feature"], r["lever"]) in taken),
        key=lambda r: r["rank"],
    )
    chosen = {(r["feature"], r["lever"], json.dumps(r["params"], sort_keys=True)) for r in ranked}
    by_key = {(s.feature, s.lever, json.dumps(_plain(s.params), sort_keys=True)): s for s in specs}
    steps, before = [], plan_total(evaluate(calls, [], multipliers=(multiplier,), samples=1), multiplier)[0]
    included: list[LeverSpec] = []
    for r in ranked:
        key = (r["feature"], r["lever"], json.dumps(r["params"], sort_keys=True))
        if key not in chosen or key not in by_key:
            continue
        included.append(by_key[key])
        after = plan_total(evaluate(calls, included, multipliers=(multiplier,), samples=1), multiplier)[1]
        steps.append((f"{r['feature']}: {r['lever']}", before - after))
        before = after
    return steps
