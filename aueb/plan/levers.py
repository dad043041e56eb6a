"""The levers of the savings plan on a log, the combined plan, the ranking and what is already saved.

Definitions: ECONOMICS.md, "The savings plan". Each lever re-prices the window's model calls with
`replay.price_calls` (tokens as logged); monthly figures are window totals x the ingest scale. Caching, batch and
downsizing grow in proportion to volume (the figure at multiplier M is M x the one at 1x); routing and
distillation serve part of the calls with the student of a scenario (`--scenario`), priced on the same calls
(a self-hosted student is sized on its own monthly requests, so it is priced at each multiplier).

A lever's cost is affine in its continuous inputs (cached share c1, 1/w, batch share b1): the plan prices the
calls once per corner of that basis and evaluates ranges on the basis (exact, not an approximation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aueb.catalog import UnknownModelError, catalog_models, lookup
from aueb.costs import MODEL_FIELDS, _model_cost, _model_row, token_prices
from aueb.errors import InputError
from aueb.metrics import MetricsError
from aueb.plan.inputs import (
    DEFAULT_READS_PER_WRITE,
    LEVERS,
    MODEL_CHOICE,
    LeverSpec,
    PlannedStudent,
    PlanResult,
    cascade_file,
    cascade_of,
    load_levers,
    parse_levers,
    quality_of,
)
from aueb.plan.output import Priced, lever_rows, percentiles, plain, waterfall_rows, waterfall_steps_of
from aueb.plan.replay import Calls, call_counts, price_calls
from aueb.planner import plan as plan_cascade
from aueb.pricing import price_row, token_cost
from aueb.risk_samples import pert, ranged_inputs
from aueb.scenario import PerRequestPricing, Scenario, Student, TokenPricing

__all__ = ["LEVERS", "LeverSpec", "PlanResult", "evaluate", "load_levers", "parse_levers", "plan_total", "propose",
           "quality_of", "waterfall_steps"]  # fmt: skip

LOG_LEVERS = ("caching", "batch", "downsizing")
DEFAULT_MULTIPLIERS = (1.0, 10.0, 100.0)
# Stated defaults of the proposals made without L.json.
PROPOSED_CACHED_SHARE = 0.5
PROPOSED_BATCH_SHARE = 0.25
SAMPLES = 10_000
SEED = 20261201


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


@dataclass
class _Student:
    """How a scenario's student serves part of a feature's logged calls: the student serves a share k of them
    (coverage), e·k also go to the teacher (escalation), so the teacher still serves (1 - k) + e·k."""

    coverage: float  # k
    escalation: float  # e
    retention: float  # the student's quality retention (routing: the operating point's)
    student: Student  # the scenario's student: its pricing prices the calls it serves
    quality: tuple[float | None, float | None]

    @property
    def teacher_share(self) -> float:
        return 1 - self.coverage + self.escalation * self.coverage

    @property
    def pricing(self) -> Any:
        return self.student.pricing


def _student(scenario: Scenario | None, spec: LeverSpec) -> _Student:
    where = f"feature {spec.feature!r}, lever {spec.lever!r}"
    if scenario is None:
        raise InputError(f"{where}: needs --scenario S, a scenario whose feature {spec.feature!r} has a student")
    names = [f.name for f in scenario.features]
    if spec.feature not in names:
        raise InputError(f"{where}: feature not in --scenario {scenario.name!r} (features: {', '.join(names)})")
    f = scenario.features[names.index(spec.feature)]
    if f.student is None:
        raise InputError(f"{where}: the feature has no student in --scenario {scenario.name!r}")
    if spec.lever == "distillation":
        k, e, r = f.coverage or 0.0, f.escalation, f.student.quality_retention
        q = f.teacher.quality
        return _Student(k, e, r, f.student, (q, q * (1 - k + e * k + (1 - e) * k * r)))
    cascade = cascade_of(spec.params["metrics"], spec.feature)
    try:
        priced = plan_cascade(scenario, cascade, spec.feature)
    except MetricsError as exc:
        raise InputError(f"{where}: {exc}") from None
    if priced.best is None:
        raise InputError(f"{where}: no point of the cascade in {spec.params['metrics']} fits the feature")
    point = priced.points.iloc[priced.best]
    e, r = float(point["escalation"]), float(point["quality_retention"])
    return _Student(1.0, e, r, f.student, (cascade.teacher_accuracy, float(point["system_accuracy"])))


# The ranged inputs of a --scenario student that move a lever's cost on a log: the engine's columns (aueb.
# risk_samples.ranged_inputs names them). The logged calls fix the volume and the tokens, so the scenario's users,
# requests and token counts do not apply; quality_retention changes only the quality.
STUDENT_COLUMNS = tuple(f"student_{name}" for name in ("unit_cost", *MODEL_FIELDS[2:])) + tuple(
    f"student.{name}"
    for name in ("input_price_per_mtok", "cached_input_price_per_mtok", "cache_write_price_per_mtok",
                 "output_price_per_mtok", "batch_share", "batch_discount")
)  # fmt: skip


def student_cost(
    frame: pd.DataFrame,
    pricing: Any,
    monthly_calls: np.ndarray,
    scale: float,
    sampled: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Monthly cost of the student serving `monthly_calls` of `frame`'s calls, at each monthly volume (an array;
    with `sampled`, one column per sample: engine columns of STUDENT_COLUMNS to their draws).

    Token-priced: the logged tokens at the student's catalog model (each call's date and tier) or its own prices,
    times (1 - b·d), per logged call x the volume; per request and self-hosted: the engine's own cost of a model
    (aueb.costs._model_cost: cost x requests; replicas sized on the requests served, at least min_replicas, x the
    hourly price x 730), so the plan and `aueb project` price the student with one formula."""
    sampled = sampled or {}
    volume = np.asarray(monthly_calls, dtype=float)
    if isinstance(pricing, TokenPricing):
        return _token_student_per_call(frame, pricing, sampled) * volume
    columns: dict[str, Any] = {
        f"student_{name}": value for name, value in zip(MODEL_FIELDS, _model_row(pricing), strict=True)
    }
    for name, draws in sampled.items():
        if name in columns:
            columns[name] = draws
    # One model row per sample (a column of a 2-d volume), shaped (multiplier, arm = 1, sample) as the engine's.
    n = volume.shape[1] if volume.ndim == 2 else 1
    model = pd.DataFrame({name: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for name, v in columns.items()})
    requests = volume.reshape(-1, 1, n)
    return np.asarray(_model_cost(model, "student", requests)).reshape(volume.shape)


def _token_student_per_call(frame: pd.DataFrame, pricing: TokenPricing, sampled: dict[str, np.ndarray]) -> Any:
    """A token-priced student's cost per logged call of `frame` (its prices, or draws of them in `sampled`)."""

    def draw(name: str, mode: Any) -> Any:
        return sampled.get(f"student.{name}", mode)

    explicit = pricing.input_price_per_mtok is not None and pricing.output_price_per_mtok is not None
    if pricing.model and not explicit:
        found = lookup(pricing.model, pricing.provider)
        window: Any = float(price_calls(_with_model(frame, found.model, found.provider)).sum())
    else:
        modes = token_prices(pricing)
        p_in, p_out = draw("input_price_per_mtok", modes[0]), draw("output_price_per_mtok", modes[3])
        p_c = p_in if modes[1] is None else draw("cached_input_price_per_mtok", modes[1])
        p_w = p_in if modes[2] is None else draw("cache_write_price_per_mtok", modes[2])
        # The formula is linear in the tokens: the window's sums priced once are the sum of the calls' costs.
        columns = ("input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens")
        n_in, n_c, n_w, n_out = (float(frame[c].sum()) if c in frame else 0.0 for c in columns)
        window = token_cost(n_in, n_c, n_w, n_out, p_in, p_c, p_w, p_out)
    n_calls = max(float(call_counts(frame).sum()), 1e-300)
    return (
        window
        / n_calls
        * (1 - draw("batch_share", pricing.batch_share) * draw("batch_discount", pricing.batch_discount))
    )


def _with_model(frame: pd.DataFrame, model: str, provider: str) -> pd.DataFrame:
    moved = frame.copy()
    zeros = np.zeros(len(frame), dtype=np.int8)
    moved["model"] = pd.Categorical.from_codes(zeros, [model])
    moved["provider"] = pd.Categorical.from_codes(zeros, [provider])
    return moved


def propose(
    calls: Calls, metrics: list[tuple[str | None, str]] | None = None, scenario: Scenario | None = None
) -> list[LeverSpec]:
    """Candidates without L.json: caching and batch at the stated defaults, downsizing to the three cheapest
    catalog models of the provider of each feature's main model; distillation where `scenario` gives the feature
    a student, routing where `--metrics` also gives it a cascade; marked as proposals."""
    specs = []
    for feature, frame in calls.frame.groupby("feature", sort=True, observed=True):
        zero = {"one_time_cost": 0.0}
        share = {"low": PROPOSED_CACHED_SHARE, "mode": PROPOSED_CACHED_SHARE, "high": PROPOSED_CACHED_SHARE}
        w = {"low": DEFAULT_READS_PER_WRITE, "mode": DEFAULT_READS_PER_WRITE, "high": DEFAULT_READS_PER_WRITE}
        specs.append(LeverSpec(str(feature), "caching", {"cached_share": share, "reads_per_write": w, **zero}, True))
        b = {"low": PROPOSED_BATCH_SHARE, "mode": PROPOSED_BATCH_SHARE, "high": PROPOSED_BATCH_SHARE}
        specs.append(LeverSpec(str(feature), "batch", {"share": b, **zero}, True))
        specs += _model_proposals(str(feature), scenario, metrics or [])
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


def _model_proposals(feature: str, scenario: Scenario | None, metrics: list[tuple[str | None, str]]) -> list[LeverSpec]:
    student = scenario is not None and any(f.name == feature and f.student is not None for f in scenario.features)
    if not student:
        return []
    specs = [LeverSpec(feature, "distillation", {"one_time_cost": 0.0}, True)]
    found = cascade_file(metrics, feature)
    if found:
        specs.append(LeverSpec(feature, "routing", {"metrics": found, "one_time_cost": 0.0}, True))
    return specs


def _draws(params: dict[str, Any], rng: np.random.Generator, n: int) -> dict[str, np.ndarray | float]:
    out: dict[str, np.ndarray | float] = {}
    for key, value in params.items():
        if isinstance(value, dict) and value["low"] < value["high"]:
            out[key] = pert(rng, np.array([value["low"]]), np.array([value["mode"]]), np.array([value["high"]]), n)[0]
    return out


def _mode(params: dict[str, Any], key: str) -> float:
    return float(params[key]["mode"])


class _LogPlan:
    """A log's calls per feature and the bases of the model choices: the levers are priced on them."""

    def __init__(self, calls: Calls, multipliers: tuple[float, ...], scenario: Scenario | None) -> None:
        self.calls, self.scale, self.scenario = calls, calls.scale, scenario
        self.m = np.asarray(multipliers, dtype=float)
        self.frames = {str(f): g for f, g in calls.frame.groupby("feature", sort=True, observed=True)}
        self.bases: dict[tuple[str, str, str], _Basis] = {}
        self.students: dict[tuple[str, str, str], _Student] = {}

    def basis(self, feature: str, model: tuple[str, str] | None) -> _Basis:
        key = (feature, *(model or ("", "")))
        if key not in self.bases:
            frame = self.frames[feature] if model is None else _with_model(self.frames[feature], *model)
            self.bases[key] = _basis(frame)
        return self.bases[key]

    def student(self, spec: LeverSpec) -> _Student:
        key = (spec.feature, spec.lever, str(spec.params.get("metrics", "")))
        if key not in self.students:
            self.students[key] = _student(self.scenario, spec)
        return self.students[key]

    def n_calls(self, feature: str) -> float:
        """The feature's model calls in a month (the window's calls x the ingest scale)."""
        return float(call_counts(self.frames[feature]).sum()) * self.scale

    def student_samples(self, spec: LeverSpec, n: int, rng: np.random.Generator) -> np.ndarray | None:
        """The routing or distillation lever's cost per multiplier (rows) and sample (columns) where `--scenario`
        gives the feature ranged inputs that move it (distillation: coverage, escalation; both: the student's
        pricing, STUDENT_COLUMNS), drawn together as the Risk page draws them (aueb.risk_samples: PERT, one row per
        input in the file's order); None where every one is a number."""
        assert self.scenario is not None
        i = [f.name for f in self.scenario.features].index(spec.feature)
        wanted = (*(("coverage", "escalation") if spec.lever == "distillation" else ()), *STUDENT_COLUMNS)
        items = [
            x for x in ranged_inputs(self.scenario) if x.feature == i and x.column in wanted and x.range.spread > 0
        ]
        if not items or n < 2:
            return None
        bounds = np.array([(x.range.low, x.range.mode, x.range.high) for x in items], dtype=float)
        values = dict(
            zip((x.column for x in items), pert(rng, bounds[:, 0], bounds[:, 1], bounds[:, 2], n), strict=True)
        )
        s = self.student(spec)
        k, e = (values.get(name, np.full(n, getattr(s, name))) for name in ("coverage", "escalation"))
        teacher = self.basis(spec.feature, None).cost() * self.scale * self.m[:, np.newaxis]
        calls = self.n_calls(spec.feature) * self.m[:, np.newaxis]
        served = student_cost(self.frames[spec.feature], s.pricing, k * calls, self.scale, values)
        return np.asarray((1 - k + e * k) * teacher + served)

    def now(self, feature: str) -> np.ndarray:
        return self.basis(feature, None).cost() * self.scale * self.m

    def parts(self, feature: str, chosen: dict[str, LeverSpec]) -> tuple[np.ndarray, _Student | None]:
        """The teacher's monthly cost per multiplier on all the feature's calls under the chosen teacher levers
        (downsizing, caching, batch), and the student of routing or distillation where one is chosen."""
        model = None
        if "downsizing" in chosen:
            p = chosen["downsizing"].params
            model = (p["model"], p["provider"])
        c1 = inv_w = None
        if "caching" in chosen:
            p = chosen["caching"].params
            c1, inv_w = _mode(p, "cached_share"), 1 / _mode(p, "reads_per_write")
        b1 = _mode(chosen["batch"].params, "share") if "batch" in chosen else 0.0
        teacher = self.basis(feature, model).cost(c1, inv_w if inv_w is not None else 0.0, b1) * self.scale * self.m
        which = next((chosen[k] for k in ("routing", "distillation") if k in chosen), None)
        return np.asarray(teacher), (None if which is None else self.student(which))

    def combined(self, feature: str, chosen: dict[str, LeverSpec]) -> np.ndarray:
        """Monthly cost per multiplier with the chosen levers applied together: model choice (downsizing for the
        teacher; routing or distillation for the student's part), then caching, then batch, priced once."""
        teacher, s = self.parts(feature, chosen)
        if s is None:
            return teacher
        served = student_cost(self.frames[feature], s.pricing, s.coverage * self.n_calls(feature) * self.m, self.scale)
        return np.asarray(s.teacher_share * teacher + served)

    def planned_student(self, feature: str, chosen: dict[str, LeverSpec]) -> PlannedStudent | None:
        """What --write-scenario needs to price a plan that takes a student as `aueb project` prices it: the teacher
        per model-served request (a log's teacher cost is proportional to volume) and the student, a token-priced
        one per request at its cost per logged call (proportional too); a self-hosted student keeps its pricing, so
        the engine sizes its replicas at each multiplier as the plan does."""
        teacher, s = self.parts(feature, chosen)
        if s is None:
            return None
        student: Any = s.student
        if isinstance(s.pricing, TokenPricing):
            per_call = float(_token_student_per_call(self.frames[feature], s.pricing, {}))
            student = student.model_copy(update={"pricing": PerRequestPricing(cost=per_call)})
        student = student.model_copy(update={"quality_retention": s.retention})
        return PlannedStudent(student, s.coverage, s.escalation, float(teacher[0] / self.m[0]))


def evaluate(
    calls: Calls,
    specs: list[LeverSpec],
    multipliers: tuple[float, ...] = DEFAULT_MULTIPLIERS,
    samples: int = SAMPLES,
    seed: int = SEED,
    scenario: Scenario | None = None,
) -> PlanResult:
    """Every lever row, the combined plan per feature, the ranking and what caching and batch already save.
    `scenario` gives routing and distillation their student (by feature name)."""
    rng = np.random.default_rng(seed)
    lp = _LogPlan(calls, multipliers, scenario)
    m, scale = lp.m, lp.scale
    priced: list[Priced] = []
    for spec in specs:
        if spec.feature not in lp.frames:
            continue
        now = lp.now(spec.feature)
        p = spec.params
        quality: tuple[float | None, float | None] = (None, None)
        draws = _draws(p, rng, samples)
        sampled = None
        b = lp.basis(spec.feature, None)
        if spec.lever == "caching":
            after = b.cost(_mode(p, "cached_share"), 1 / _mode(p, "reads_per_write")) * scale * m
            if draws:
                c1 = draws.get("cached_share", _mode(p, "cached_share"))
                w = draws.get("reads_per_write", _mode(p, "reads_per_write"))
                sampled = now[0] / m[0] - b.cost(c1, 1 / np.asarray(w)) * scale
        elif spec.lever == "batch":
            after = b.cost(b1=_mode(p, "share")) * scale * m
            sampled = now[0] / m[0] - b.cost(b1=draws["share"]) * scale if draws else None
        elif spec.lever == "downsizing":
            after = lp.basis(spec.feature, (p["model"], p["provider"])).cost() * scale * m
            quality = quality_of(p.get("metrics"))
        else:  # routing, distillation: the scenario's student on its share of the calls
            after = lp.combined(spec.feature, {spec.lever: spec})
            quality = lp.student(spec).quality
        saving = now - after
        spread = lp.student_samples(spec, samples, rng) if spec.lever in ("routing", "distillation") else None
        if sampled is not None:
            p10, p50, p90 = (x * m for x in percentiles(np.atleast_1d(sampled)))
        elif spread is not None:
            p10, p50, p90 = percentiles(now[:, np.newaxis] - spread)
        else:
            p10 = p50 = p90 = saving
        priced.append(Priced(spec, now, np.asarray(after), p10, p50, p90, *quality))
    result = PlanResult(levers=lever_rows(priced, tuple(float(x) for x in m)), proposals=any(s.proposal for s in specs))
    _combined(lp, priced, result)
    result.already_saved = already_saved(calls)
    return result


def _combined(lp: _LogPlan, priced: list[Priced], result: PlanResult) -> None:
    """Per feature: the chosen levers applied together, priced once (aueb.plan.scenario_levers.chosen_levers:
    measured or unchanged quality, the best of each lever, one model choice); an unmeasured downsizing is left out.
    Then the waterfall of the plan, lever by lever in rank order."""
    from aueb.plan.scenario_levers import chosen_levers

    plans = {feature: {s.lever: s for s in specs} for feature, specs in chosen_levers(priced).items()}
    for feature in lp.frames:
        chosen = plans.get(feature, {})
        now, after = lp.now(feature), lp.combined(feature, chosen)
        if (student := lp.planned_student(feature, chosen)) is not None:
            result.students[feature] = student
        names = [lever for lever in (*MODEL_CHOICE, "caching", "batch") if lever in chosen]
        for j, mult in enumerate(lp.m):
            result.combined.append(
                {
                    "feature": feature,
                    "multiplier": float(mult),
                    "levers": names,
                    "params": {lever: plain(chosen[lever].params) for lever in names},
                    "cost_now": float(now[j]),
                    "cost_after": float(after[j]),
                    "saving_monthly": float(now[j] - after[j]),
                }
            )
    result.waterfall = waterfall_rows(
        result.levers, result.combined, lambda f, names: lp.combined(f, {n: plans[f][n] for n in names})
    )


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


def plan_total(result: PlanResult, multiplier: float = 1.0) -> tuple[float, float]:
    """(monthly cost now, after the combined plan), summed over features at one multiplier."""
    rows = [r for r in result.combined if r["multiplier"] == multiplier]
    return sum(r["cost_now"] for r in rows), sum(r["cost_after"] for r in rows)


def waterfall_steps(
    calls: Calls, specs: list[LeverSpec], multiplier: float = 1.0, scenario: Scenario | None = None
) -> list[tuple[str, float]]:
    """The levers the combined plan takes, in rank order, each with the saving it adds to those before it
    (so the bars run exactly from today's cost to the combined plan's, which no sum of lever rows does)."""
    result = evaluate(calls, specs, multipliers=(multiplier,), samples=1, scenario=scenario)
    return waterfall_steps_of(result.to_json(), multiplier)[1]
