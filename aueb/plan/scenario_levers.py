"""The levers on a scenario's features, at every multiplier, through the engine's own cost functions.

A lever changes only the feature's inference: caching sets the teacher's cache reads to c1·n_in and its cache
writes to c1·n_in / w; batch moves a share b1 of its requests to the provider's batch API (discount and stacking
rule from the batch table); downsizing moves the teacher to catalog model B (same tokens, B's prices);
distillation is the scenario's distilled arm; routing the distilled arm at the best operating point of a measured
cascade (aueb.planner). Each lever's row is the feature's engine row with those inputs, priced by
aueb.engine._costs (so it equals `aueb project` of the scenario with the lever applied). Where the feature's own
inputs or the lever's are ranges, the saving's P10/P50/P90 come from paired PERT draws (the same draws now and
after; risk_samples' sampling), `SAMPLES` of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from aueb.cascade import feature_inputs
from aueb.catalog import catalog_models, lookup
from aueb.costs import ARMS, SELF_HOSTED, _costs, _scenario_requests, engine_inputs, token_prices, token_unit_cost
from aueb.engine import _feature_figures, check_finite
from aueb.errors import InputError
from aueb.plan.inputs import MODEL_CHOICE, LeverSpec, PlanResult, cascade_of, quality_of
from aueb.plan.output import Priced, lever_rows, percentiles, plain, waterfall_rows
from aueb.plan.replay import batch_terms
from aueb.planner import PLAN_MULTIPLIER, best_point
from aueb.pricing import price_row, token_cost
from aueb.risk_samples import RangedInput, _sampled_features, _token_models, pert, ranged_inputs
from aueb.scenario import Scenario, TokenPricing

SAMPLES = 10_000
TEACHER_ONLY = ("caching", "batch", "downsizing")
SEED = 20261201
PROPOSED_CACHED_SHARE, PROPOSED_BATCH_SHARE, DEFAULT_READS_PER_WRITE = 0.5, 0.25, 10.0


@dataclass
class _State:
    """A feature under levers: teacher token figures (None: not token-priced), batch move, engine overrides."""

    tok: dict[str, Any] | None
    provider: str | None
    batch: tuple[Any, Any] | None = None  # (b1, BatchTerms)
    columns: dict[str, Any] = field(default_factory=dict)
    arm: str = "baseline"
    changed: bool = False


class _Column:
    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def to_numpy(self, dtype: Any = None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype, copy=False)


class _Frame(dict[str, np.ndarray]):
    """The engine's feature columns as plain arrays: what aueb.engine._costs reads of a frame (`frame[name]
    .to_numpy()`), without pandas' per-column cost, which dominates on the many small frames of a plan."""

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Frame:
        """The frame's columns (all numbers: the engine's inputs) as contiguous float arrays, in one copy."""
        block = np.ascontiguousarray(frame.to_numpy(dtype=float).T)
        return cls(zip(frame.columns, block, strict=True))

    def __getitem__(self, name: str) -> _Column:  # type: ignore[override]
        return _Column(dict.__getitem__(self, name))

    def rows(self) -> int:
        return len(dict.__getitem__(self, "users"))

    def self_hosted_student(self) -> bool:
        return bool((dict.__getitem__(self, "student_kind") == SELF_HOSTED).any())

    def copy(self) -> _Frame:
        return _Frame(dict.items(self))


class _Table:
    """A one-feature engine row as risk_samples._sampled_features reads its base (columns, len, [name])."""

    def __init__(self, frame: _Frame) -> None:
        self.arrays = dict(frame.items())
        self.columns = list(self.arrays)

    def __len__(self) -> int:
        return len(next(iter(self.arrays.values())))

    def __getitem__(self, name: str) -> _Column:
        return _Column(self.arrays[name])


def _tokens(pricing: Any) -> tuple[dict[str, Any] | None, str | None]:
    if not isinstance(pricing, TokenPricing):
        return None, None
    p_in, p_cached, p_write, p_out = token_prices(pricing)
    provider = pricing.provider or (lookup(pricing.model).provider if pricing.model else None)
    tok = {name: getattr(pricing, name) for name in ("input_tokens", "cached_input_tokens", "cache_write_input_tokens",
                                                      "output_tokens", "batch_share", "batch_discount")}  # fmt: skip
    tok.update(input_price_per_mtok=p_in, cached_input_price_per_mtok=p_cached,
               cache_write_price_per_mtok=p_write, output_price_per_mtok=p_out)  # fmt: skip
    return tok, provider


def _parts(tok: dict[str, Any]) -> tuple[Any, ...]:
    n_in = np.asarray(tok["input_tokens"], dtype=float)
    n_c = np.minimum(tok["cached_input_tokens"], n_in)
    n_w = np.minimum(tok["cache_write_input_tokens"], n_in - n_c)
    p_in = tok["input_price_per_mtok"]
    p_c = p_in if tok["cached_input_price_per_mtok"] is None else tok["cached_input_price_per_mtok"]
    p_w = p_in if tok["cache_write_price_per_mtok"] is None else tok["cache_write_price_per_mtok"]
    return n_in, n_c, n_w, tok["output_tokens"], p_in, p_c, p_w, tok["output_price_per_mtok"]


def _unit_cost(state: _State) -> Any:
    """The teacher's cost per request under the state: the engine's formula, or the batch lever's expected cost."""
    assert state.tok is not None
    n_in, n_c, n_w, n_out, p_in, p_c, p_w, p_out = _parts(state.tok)
    if state.batch is None:
        b, d = state.tok["batch_share"], state.tok["batch_discount"]
        return token_unit_cost(n_in, n_c, n_w, n_out, p_in, p_c, p_w, p_out, b, d)
    b1, terms = state.batch
    plain_cost = token_cost(n_in, n_c, n_w, n_out, p_in, p_c, p_w, p_out)
    off = 1 - terms.discount
    if terms.stacks_with_cache:
        batched = plain_cost * off
    else:  # cache reads keep the cheaper of p_cached and p_in·(1 - d); everything else gets (1 - d)
        batched = token_cost(n_in, n_c, n_w, n_out, p_in * off, np.minimum(p_c, p_in * off), p_w * off, p_out * off)
    return (1 - b1) * plain_cost + b1 * batched


class ScenarioPlan:
    """The scenario's engine rows and, per feature, its ranged inputs: levers are priced on them."""

    def __init__(self, scenario: Scenario, samples: int = SAMPLES, seed: int = SEED) -> None:
        self.scenario, self.samples, self.seed = scenario, samples, seed
        self.base = engine_inputs(scenario)
        self.names = [f.name for f in scenario.features]
        self.multipliers = np.asarray([float(m) for m in scenario.multipliers])
        self.requests = _scenario_requests(self.base, self.multipliers)
        inputs = [i for i in ranged_inputs(scenario) if i.feature is not None]
        self.inputs: dict[int, list[RangedInput]] = {}
        for item in inputs:
            self.inputs.setdefault(int(item.feature), []).append(item)  # type: ignore[arg-type]
        self._routing: dict[tuple[str, str], tuple[dict[str, float], float, float]] = {}
        self._sampled: dict[int, tuple[_Frame, dict[str, Any] | None]] = {}
        self._now: dict[tuple[Any, ...], tuple[np.ndarray, np.ndarray]] = {}
        self._unit: dict[tuple[float, int, int], np.ndarray] = {}
        whole = _Frame.of(self.base)
        self.rows = [_Frame({k: v[i : i + 1] for k, v in whole.items()}) for i in range(len(self.base))]

    def index(self, feature: str) -> int:
        return self.names.index(feature)

    def costs(self, frame: _Frame, arm: str) -> tuple[np.ndarray, np.ndarray]:
        """The feature's AI COGS and model-served requests, shaped (multiplier, row), in `arm` (or "both" arms)."""
        if arm == "baseline" and frame.self_hosted_student():
            # The baseline arm serves nothing with the student: its pricing does not matter there, so the
            # (costly) replica sizing is skipped.
            frame = frame.copy()
            frame["student_kind"] = np.zeros(frame.rows())
        c = _costs(cast(pd.DataFrame, frame), self.multipliers, self.scenario.growth, self.scenario.fixed_monthly_cost,
                   self.requests, len(self.base))  # fmt: skip
        if arm == "both":  # shaped (multiplier, arm, row)
            return np.asarray(c.ai_cogs), np.asarray(c.model_served)
        a = ARMS.index(arm)
        return np.asarray(c.ai_cogs[:, a, :]), np.asarray(c.model_served[:, a, :])

    def unit_draws(self, mode: float, slot: int, n: int) -> np.ndarray:
        """n PERT draws on [0, 1] around `mode` for the slot-th ranged input of a feature. A lever's saving depends
        on its own feature's inputs alone, so features share these draws (per mode and slot) without changing any
        lever's percentiles; inputs within a feature never share them."""
        key = (round(mode, 12), slot, n)
        if key not in self._unit:
            rng = np.random.default_rng((self.seed, slot, round(mode * 1e12)))
            self._unit[key] = pert(rng, np.array([0.0]), np.array([mode]), np.array([1.0]), n)[0]
        return self._unit[key]

    def draws(self, low: float, mode: float, high: float, slot: int, n: int) -> np.ndarray | float:
        if not n > 1 or not low < high:
            return float(mode)
        return low + (high - low) * self.unit_draws((mode - low) / (high - low), slot, n)

    def frame(self, i: int, n: int) -> tuple[_Frame, dict[str, Any] | None, str | None]:
        """The feature's engine row (n = 1, modes) or n sampled rows, with its teacher's token figures."""
        tok, provider = _tokens(self.scenario.features[i].teacher.pricing)
        if n == 1:
            return self.rows[i], tok, provider
        if i not in self._sampled:
            items = self.inputs.get(i, [])
            values = np.array([np.broadcast_to(self.draws(x.range.low, x.range.mode, x.range.high, slot, n), (n,))
                               for slot, x in enumerate(items)]).reshape(len(items), n)  # fmt: skip
            models = {(0, role): v for (_, role), v in _token_models(self.scenario, items).items()}
            local = [dataclasses.replace(x, feature=0) for x in items]
            base = cast(pd.DataFrame, _Table(self.rows[i]))
            frame = _Frame.of(_sampled_features(base, self.scenario, local, values, models))
            if tok is not None:
                tok = dict(tok)
                for row, x in zip(values, items, strict=True):
                    if x.column.startswith("teacher."):
                        tok[x.column.split(".", 1)[1]] = row
            self._sampled[i] = (frame, tok)
        frame, tok = self._sampled[i]
        return frame, tok, provider

    def routing(self, feature: str, path: str) -> tuple[dict[str, float], float, float]:
        """The best operating point of the cascade in `path` for `feature` (aueb.planner's rule: the largest net
        AI value at 1x among the points the scenario can hold, ties to the larger coverage): engine overrides,
        A_T and Q(tau)."""
        if (feature, path) not in self._routing:
            i = self.index(feature)
            if self.scenario.features[i].student is None:
                raise InputError(f"feature {feature!r}, lever 'routing': the feature has no student")
            cascade = cascade_of(path, feature)
            coverage = np.array(cascade.column("coverage"))
            system = np.array(cascade.column("system_accuracy"))
            try:
                k, e, r = feature_inputs(coverage, system, cascade.teacher_accuracy)
            except ValueError as exc:
                raise InputError(f"feature {feature!r}, lever 'routing': cascade: {exc}") from None
            variants = _Frame({name: np.repeat(v, len(k)) for name, v in self.rows[i].items()})
            variants.update(coverage=k, escalation=e, quality_retention=r)
            one = np.array([PLAN_MULTIPLIER])
            c = _costs(cast(pd.DataFrame, variants), one, self.scenario.growth, self.scenario.fixed_monthly_cost,
                       _scenario_requests(self.base, one), len(self.base))  # fmt: skip
            figures, _ = _feature_figures(cast(pd.DataFrame, variants), c)
            q = self.scenario.features[i].teacher.quality
            points = pd.DataFrame({"coverage": coverage, "net_ai_value": figures["net_ai_value"][0, 1],
                                   "applicable": (r >= 0) & (r * q <= 1)})  # fmt: skip
            best = best_point(points)
            if best is None:
                raise InputError(f"feature {feature!r}, lever 'routing': no point of the cascade in {path} fits")
            overrides = {"coverage": 1.0, "escalation": float(e[best]), "quality_retention": float(r[best])}
            self._routing[(feature, path)] = (overrides, cascade.teacher_accuracy, float(system[best]))
        return self._routing[(feature, path)]

    def apply(self, state: _State, spec: LeverSpec, n: int) -> _State:
        feature, p = spec.feature, spec.params
        i = self.index(feature)
        first = len(self.inputs.get(i, []))  # the lever's draws take the slots after the feature's own inputs

        def _draw(_: dict[str, Any], key: str, slot: int) -> Any:
            v = p[key]
            return self.draws(v["low"], v["mode"], v["high"], first + slot, n)

        if spec.lever in ("distillation", "routing"):
            if self.scenario.features[i].student is None:
                raise InputError(f"feature {feature!r}, lever {spec.lever!r}: the feature has no student")
            columns = dict(state.columns)
            if spec.lever == "routing":
                columns.update(self.routing(feature, p["metrics"])[0])
            return dataclasses.replace(state, columns=columns, arm="distilled")
        if state.tok is None:
            raise InputError(f"feature {feature!r}, lever {spec.lever!r}: the teacher is not priced by tokens")
        tok = dict(state.tok)
        if spec.lever == "caching":
            c1 = _draw(p, "cached_share", 0)
            w = _draw(p, "reads_per_write", 1)
            tok["cached_input_tokens"] = c1 * np.asarray(tok["input_tokens"])
            tok["cache_write_input_tokens"] = c1 * np.asarray(tok["input_tokens"]) / w
            return dataclasses.replace(state, tok=tok, changed=True)
        if spec.lever == "batch":
            return dataclasses.replace(state, batch=(_draw(p, "share", 2), batch_terms(state.provider)),
                                       changed=True)  # fmt: skip
        row = price_row(p["provider"], p["model"], None, float(np.mean(tok["input_tokens"])))
        if row is None:
            raise InputError(f"feature {feature!r}, lever 'downsizing': model {p['model']!r} has no token prices")
        tok.update(input_price_per_mtok=row.p_in, cached_input_price_per_mtok=row.p_cached,
                   cache_write_price_per_mtok=row.p_write, output_price_per_mtok=row.p_out)  # fmt: skip
        return dataclasses.replace(state, tok=tok, provider=p["provider"], changed=True)

    def price(self, specs: list[LeverSpec], n: int) -> tuple[np.ndarray, np.ndarray]:
        """(AI COGS now, AI COGS under the levers applied together), each shaped (multiplier, n); one feature."""
        i = self.index(specs[0].feature)
        frame, tok, provider = self.frame(i, n)
        state = _State(tok, provider)
        for spec in sorted(specs, key=lambda s: (*MODEL_CHOICE, "caching", "batch").index(s.lever)):
            state = self.apply(state, spec, n)
        if not state.changed and not state.columns and state.arm == "distilled":
            # The scenario's own distilled arm: one projection gives both arms.
            if (i, n, "distilled") not in self._now:
                cogs, served = self.costs(frame, "both")
                self._now[(i, n)] = (cogs[:, 0], served[:, 0])
                self._now[(i, n, "distilled")] = (cogs[:, 1], served[:, 1])
            return self._now[(i, n)][0], self._now[(i, n, "distilled")][0]
        if (i, n) not in self._now:
            self._now[(i, n)] = self.costs(frame, "baseline")
        now, served = self._now[(i, n)]
        if not state.changed and not state.columns and state.arm == "baseline":
            return now, now
        unit = np.broadcast_to(np.asarray(_unit_cost(state), dtype=float), (frame.rows(),)) if state.changed else None
        if n > 1 and state.arm == "baseline" and not state.columns and unit is not None:
            # Only the teacher's price per request changed: its cost moves by model-served x the change
            # (the engine's teacher cost, requests x unit cost), so the samples skip a second projection.
            return now, now - served * (dict.__getitem__(frame, "teacher_unit_cost") - unit)
        after = frame.copy()
        if unit is not None:
            after["teacher_unit_cost"] = unit
        for column, value in state.columns.items():
            after[column] = np.broadcast_to(np.asarray(value, dtype=float), (frame.rows(),))
        return now, self.costs(after, state.arm)[0]

    def quality(self, spec: LeverSpec) -> tuple[float | None, float | None]:
        f = self.scenario.features[self.index(spec.feature)]
        if spec.lever == "downsizing":
            return quality_of(spec.params.get("metrics"))
        if spec.lever == "routing":
            _, teacher, system = self.routing(spec.feature, spec.params["metrics"])
            return teacher, system
        if spec.lever == "distillation" and f.student is not None:
            k, e, r = f.coverage or 0.0, f.escalation, f.student.quality_retention
            return f.teacher.quality, f.teacher.quality * (1 - k + e * k + (1 - e) * k * r)
        return None, None

    def ranged(self, spec: LeverSpec) -> bool:
        mine = bool(self.inputs.get(self.index(spec.feature)))
        return mine or any(isinstance(v, dict) and v["low"] < v["high"] for v in spec.params.values())


def evaluate_scenario(
    scenario: Scenario, specs: list[LeverSpec], samples: int = SAMPLES, seed: int = SEED
) -> PlanResult:
    """Every lever row at the scenario's multipliers (P10/P50/P90 where an input is a range), the combined plan."""
    check_finite(scenario)  # refuses, in one line naming the input, a scenario whose figures overflow
    sp = ScenarioPlan(scenario, samples, seed)
    mults = tuple(float(m) for m in sp.multipliers)
    # Distillation first: its projection of both arms also gives each feature's samples today.
    order = sorted(range(len(specs)), key=lambda j: specs[j].lever != "distillation")
    by_index: dict[int, Priced] = {}
    for j in order:
        spec = specs[j]
        now, after = sp.price([spec], 1)
        if sp.ranged(spec) and samples > 1:
            s_now, s_after = sp.price([spec], samples)
            if spec.lever in TEACHER_ONLY:
                # Only the teacher's price per request changes: the saving is model-served requests x that change,
                # and requests grow as M in both growth modes, so its percentiles at M are M / M0 times those at M0.
                scale = sp.multipliers / sp.multipliers[0]
                p10, p50, p90 = (x * scale for x in percentiles(s_now[:1] - s_after[:1]))
            else:
                p10, p50, p90 = percentiles(s_now - s_after)
        else:
            p10 = p50 = p90 = (now - after)[:, 0]
        q_now, q_after = sp.quality(spec)
        by_index[j] = Priced(spec, now[:, 0], after[:, 0], p10, p50, p90, q_now, q_after)
    priced = [by_index[j] for j in range(len(specs))]
    result = PlanResult(levers=lever_rows(priced, mults), proposals=any(s.proposal for s in specs))
    plans = chosen_levers(priced)
    for feature in sp.names:  # every feature, as on a log: one without a lever in the plan stays as it is
        chosen = plans.get(feature, [])
        if chosen:
            now, after = sp.price(chosen, 1)
        else:
            now = after = sp.costs(sp.rows[sp.index(feature)], "baseline")[0]
        names = [s.lever for s in sorted(chosen, key=lambda s: (*MODEL_CHOICE, "caching", "batch").index(s.lever))]
        for j, m in enumerate(mults):
            result.combined.append(
                {"feature": feature, "multiplier": m, "levers": names,
                 "params": {s.lever: plain(s.params) for s in chosen},
                 "cost_now": float(now[j, 0]), "cost_after": float(after[j, 0]),
                 "saving_monthly": float(now[j, 0] - after[j, 0])}
            )  # fmt: skip

    def cost(feature: str, names: list[str]) -> np.ndarray:
        specs = [s for s in plans[feature] if s.lever in names]
        return sp.price(specs, 1)[1][:, 0] if specs else sp.price(plans[feature], 1)[0][:, 0]

    result.waterfall = waterfall_rows(result.levers, result.combined, cost)
    return result


def chosen_levers(priced: list[Priced]) -> dict[str, list[LeverSpec]]:
    """Per feature, the levers the combined plan takes: measured (or unchanged) quality; per lever the best one
    (among proposals, only one that saves); one model choice (routing over distillation over downsizing)."""
    out: dict[str, dict[str, Priced]] = {}
    for r in priced:
        if not r.measured or (r.spec.proposal and r.saving[0] <= 0):
            continue
        mine = out.setdefault(r.spec.feature, {})
        if r.spec.lever not in mine or r.saving[0] > mine[r.spec.lever].saving[0]:
            mine[r.spec.lever] = r
    plans = {}
    for feature, levers in out.items():
        model = next((levers[k] for k in ("routing", "distillation", "downsizing") if k in levers), None)
        plans[feature] = [r.spec for k, r in levers.items() if k not in MODEL_CHOICE or r is model]
    return plans


def propose_scenario(scenario: Scenario, metrics: list[tuple[str | None, str]] | None = None) -> list[LeverSpec]:
    """Candidates without L.json, marked as proposals: caching and batch at the stated defaults and downsizing to
    the three cheapest catalog models of the teacher's provider (token-priced teachers); distillation where the
    feature has a student; routing where `--metrics` gives it a cascade."""
    from aueb.plan.inputs import cascade_file

    def fixed(x: float) -> dict[str, float]:
        return {"low": x, "mode": x, "high": x}

    specs = []
    for f in scenario.features:
        zero = {"one_time_cost": 0.0}
        tok, provider = _tokens(f.teacher.pricing)
        if tok is not None:
            specs.append(
                LeverSpec(
                    f.name,
                    "caching",
                    {
                        "cached_share": fixed(PROPOSED_CACHED_SHARE),
                        "reads_per_write": fixed(DEFAULT_READS_PER_WRITE),
                        **zero,
                    },
                    True,
                )
            )
            specs.append(LeverSpec(f.name, "batch", {"share": fixed(PROPOSED_BATCH_SHARE), **zero}, True))
            current = getattr(f.teacher.pricing, "model", None)
            n_in = float(tok["input_tokens"])
            candidates = []
            for m in catalog_models():
                if m.provider != provider or m.model == current:
                    continue
                row = price_row(m.provider, m.model, None, n_in)
                if row is not None:
                    cost = token_cost(n_in, tok["cached_input_tokens"], tok["cache_write_input_tokens"],
                                      tok["output_tokens"], row.p_in, row.p_cached, row.p_write, row.p_out)  # fmt: skip
                    candidates.append((float(cost), m.model))
            for _, model in sorted(candidates)[:3]:
                specs.append(LeverSpec(f.name, "downsizing", {"model": model, "provider": provider, **zero}, True))
        if f.student is not None:
            specs.append(LeverSpec(f.name, "distillation", dict(zero), True))
            found = cascade_file(metrics or [], f.name)
            if found:
                specs.append(LeverSpec(f.name, "routing", {"metrics": found, **zero}, True))
    return specs


def planned_scenario(scenario: Scenario, result: PlanResult) -> Scenario:
    """The scenario with each feature's combined plan applied (modes of ranged lever inputs): in `aueb project`,
    its distilled arm is the combined plan at every multiplier (a feature whose plan takes no student loses it)."""
    sp = ScenarioPlan(scenario, 1)
    data = scenario.model_dump()
    by_feature = {r["feature"]: r for r in result.combined if r["multiplier"] == result.combined[0]["multiplier"]}
    for feature, row in by_feature.items():
        i = sp.index(feature)
        target = data["features"][i]
        specs = [LeverSpec(feature, lever, _ranges(params)) for lever, params in row["params"].items()]
        tok, provider = _tokens(scenario.features[i].teacher.pricing)
        state = _State(tok, provider)
        for spec in sorted(specs, key=lambda s: (*MODEL_CHOICE, "caching", "batch").index(s.lever)):
            state = sp.apply(state, spec, 1)
        if state.changed and state.tok is not None:
            pricing = target["teacher"]["pricing"]
            t = state.tok
            pricing["cached_input_tokens"] = float(np.asarray(t["cached_input_tokens"]))
            pricing["cache_write_input_tokens"] = float(np.asarray(t["cache_write_input_tokens"]))
            if "downsizing" in row["params"]:
                p = row["params"]["downsizing"]
                pricing.update(model=p["model"], provider=p["provider"], input_price_per_mtok=None,
                               cached_input_price_per_mtok=None, cache_write_price_per_mtok=None,
                               output_price_per_mtok=None)  # fmt: skip
            if state.batch is not None:
                b1, terms = state.batch
                plain_state = dataclasses.replace(state, batch=None, tok={**t, "batch_share": 0.0})
                c, after = float(_unit_cost(plain_state)), float(_unit_cost(state))
                pricing["batch_share"] = float(b1)
                # The engine prices batch as c·(1 - b·d): the d that gives the batch lever's expected cost.
                pricing["batch_discount"] = (1 - after / c) / b1 if c > 0 and b1 > 0 else terms.discount
        if state.arm == "distilled":
            target.update(state.columns)
            if "quality_retention" in state.columns:
                target["student"]["quality_retention"] = state.columns["quality_retention"]
                target.pop("quality_retention", None)
        else:
            target.update(student=None, coverage=None, escalation=0.0)
    data["name"] = f"{scenario.name} (savings plan applied)"
    try:
        return Scenario.model_validate(data)
    except ValueError as exc:
        raise InputError(f"--write-scenario: {exc}") from None


def _ranges(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, dict | str) else {"low": v, "mode": v, "high": v}) if k != "one_time_cost" else v
            for k, v in params.items()}  # fmt: skip
