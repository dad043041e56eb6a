"""The scenario: every input of docs/economics.md, with its unit, as pydantic v2 models.

Shares are fractions in [0, 1]; money is in the scenario's currency; volumes are per month.
Validation messages name the field, so the CLI and the dashboard can show them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType, NoneType, UnionType
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

from pydantic import (
    Field,
    PrivateAttr,
    TypeAdapter,
    ValidationError,
    model_serializer,
    model_validator,
)

from aueb.catalog import lookup
from aueb.strict import StrictModel

SCHEMA_VERSION = 1

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


# A check across fields starts its message with the field it blames, so that readers
# (the CSV's row and column) can point at it.
_Model = StrictModel


RANGE_KEYS = ("low", "mode", "high")
RANGES_KEY = "ranges"  # where a Python dump keeps the ranges of a model's fields


class Range(_Model):
    """A three-point estimate low <= mode <= high of one input, sampled as PERT by the risk analysis."""

    low: float = Field(allow_inf_nan=False, description="Lowest plausible value (the field's unit)")
    mode: float = Field(
        allow_inf_nan=False, description="Most likely value, the one the point projection uses (the field's unit)"
    )
    high: float = Field(allow_inf_nan=False, description="Highest plausible value (the field's unit)")

    @property
    def spread(self) -> float:
        return self.high - self.low


def is_range(value: Any) -> bool:
    """Whether a raw input value is written as a range: {"low", "mode", "high"} or a Range."""
    return isinstance(value, Range) or (isinstance(value, Mapping) and bool(set(value) & set(RANGE_KEYS)))


def _float_field(annotation: Any) -> bool:
    if annotation is float:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return _float_field(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return any(_float_field(a) for a in get_args(annotation) if a is not NoneType)
    return False


class _Ranged(_Model):
    """A model whose numeric fields may be given as ranges.

    The field itself holds the mode as a float (every projection reads it as before); the range lives
    beside it, in `ranges`. JSON writes a ranged field as {"low", "mode", "high"}; a Python dump keeps
    the plain mode in the field and the ranges under a "ranges" key. A value set in place of a ranged
    one (assignment, model_copy(update=...), or a dump whose field no longer holds the range's mode)
    replaces the range: a measured value is not uncertain any more.
    """

    RANGEABLE: ClassVar[tuple[str, ...]] = ()
    RANGE_FIELDS: ClassVar[tuple[str, ...] | None] = None  # None: every float field
    _ranges: dict[str, Range] = PrivateAttr(default_factory=dict)
    _bounds: ClassVar[dict[str, TypeAdapter]] = {}

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        fields = {
            name: f
            for name, f in cls.model_fields.items()
            if _float_field(f.annotation) and (cls.RANGE_FIELDS is None or name in cls.RANGE_FIELDS)
        }
        cls.RANGEABLE = tuple(fields)
        # A bound obeys the field's own rule (a share's high <= 1, no negative volume).
        cls._bounds = {
            name: TypeAdapter(Annotated[f.annotation, *f.metadata] if f.metadata else f.annotation)  # type: ignore[arg-type]
            for name, f in fields.items()
        }

    @property
    def ranges(self) -> Mapping[str, Range]:
        """The ranged fields of this model (not of its nested models), by field name."""
        return MappingProxyType(self._ranges)

    @classmethod
    def parse_range(cls, field: str, value: Any) -> Range:
        """A raw range of `field` as a Range, or a ValueError naming the field, the bound and the value."""
        if isinstance(value, Range):
            value = value.model_dump()
        missing = [k for k in RANGE_KEYS if k not in value]
        extra = sorted(set(value) - set(RANGE_KEYS))
        if missing or extra:
            problem = f"{missing[0]} is missing" if missing else f"unknown key {extra[0]!r}"
            raise ValueError(f'{field}: a range is written {{"low", "mode", "high"}}; {problem}')
        bounds = {}
        for key in RANGE_KEYS:
            try:
                if value[key] is None:
                    raise ValueError(f"{field}.{key}: a number is needed (got None)")
                bounds[key] = cls._bounds[field].validate_python(value[key])
            except ValidationError as err:
                error = err.errors(include_url=False)[0]
                message = error["msg"][:1].lower() + error["msg"][1:]
                raise ValueError(f"{field}.{key}: {message} (got {value[key]!r})") from None
        low, mode, high = (bounds[k] for k in RANGE_KEYS)
        if low > high:
            raise ValueError(f"{field}.low: {low:g} is above high {high:g}; a range needs low <= mode <= high")
        if not low <= mode <= high:
            raise ValueError(
                f"{field}.mode: {mode:g} is outside low {low:g} and high {high:g}; a range needs low <= mode <= high"
            )
        return Range(low=low, mode=mode, high=high)

    @model_validator(mode="wrap")
    @classmethod
    def _split_ranges(cls, data: Any, handler: Any) -> Any:
        if not isinstance(data, dict):
            return handler(data)
        kept = data.get(RANGES_KEY) or {}
        inline = [name for name in cls.RANGEABLE if is_range(data.get(name))]
        if not inline and not kept and RANGES_KEY not in data:
            return handler(data)
        data = dict(data)
        data.pop(RANGES_KEY, None)
        ranges: dict[str, Range] = {}
        if not isinstance(kept, Mapping):
            raise ValueError(f"{RANGES_KEY}: expected a mapping of field names to ranges")
        for name, raw in kept.items():
            if name not in cls.RANGEABLE:
                raise ValueError(f"{RANGES_KEY}: {name!r} is not a numeric field of {cls.__name__}")
            found = cls.parse_range(name, raw)
            if _same_number(data.get(name), found.mode):
                ranges[name] = found
        for name in inline:
            ranges[name] = cls.parse_range(name, data[name])
            data[name] = ranges[name].mode
        model = handler(data)
        model._ranges = ranges
        return model

    @model_serializer(mode="wrap")
    def _write_ranges(self, handler: Any, info: Any) -> dict[str, Any]:
        data = handler(self)
        ranges = {name: r for name, r in self._ranges.items() if name in data}
        if not ranges:
            return data
        if info.mode == "json":
            for name, found in ranges.items():
                data[name] = found.model_dump()
        else:
            data[RANGES_KEY] = {name: found.model_dump() for name, found in ranges.items()}
        return data

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._ranges:
            # A plain value set in place of a range replaces it; a Range sets both.
            if is_range(value):
                found = self.parse_range(name, value)
                super().__setattr__(name, found.mode)
                self._ranges = {**self._ranges, name: found}
                return
            super().__setattr__(name, value)
            self._ranges = {k: v for k, v in self._ranges.items() if k != name}
            return
        if name in type(self).RANGEABLE and is_range(value):
            found = self.parse_range(name, value)
            super().__setattr__(name, found.mode)
            self._ranges = {**self._ranges, name: found}
            return
        super().__setattr__(name, value)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> _Ranged:
        if not update:
            return super().model_copy(deep=deep)
        data = self.model_dump()
        data.update(update)
        if RANGES_KEY in data and RANGES_KEY not in update:
            data[RANGES_KEY] = {k: v for k, v in data[RANGES_KEY].items() if k not in update}
        return type(self).model_validate(data)

    def with_range(self, field: str, value: Range | Mapping[str, float] | None) -> _Ranged:
        """A copy with `field` given as the range `value`, or as its plain mode when value is None."""
        data = self.model_dump()
        ranges = dict(data.pop(RANGES_KEY, {}))
        ranges.pop(field, None)
        data[field] = (
            getattr(self, field) if value is None else (value.model_dump() if isinstance(value, Range) else dict(value))
        )
        return type(self).model_validate({**data, RANGES_KEY: ranges})

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        range_ref = handler(Range.__pydantic_core_schema__)
        for name in cls.RANGEABLE:
            prop = target["properties"].get(name)
            if prop is None:
                continue
            description = prop.pop("description", None)
            default = prop.pop("default", None) if "default" in prop else None
            options = prop.pop("anyOf", None) or [dict(prop)]
            prop.clear()
            prop["anyOf"] = [*options, range_ref]
            if description:
                prop["description"] = description + "; or a range {low, mode, high}"
            if default is not None:
                prop["default"] = default
        return schema


def _same_number(value: Any, mode: float) -> bool:
    try:
        return value is not None and float(value) == mode
    except (TypeError, ValueError):
        return False


class TokenPricing(_Ranged):
    """A token-priced API model. Prices left out come from the pinned genai-prices catalog."""

    kind: Literal["tokens"] = "tokens"
    model: str | None = Field(
        default=None, min_length=1, description="Catalog model name (e.g. gpt-4o); needed when a price is left out"
    )
    provider: str | None = Field(
        default=None, min_length=1, description="Catalog provider id (e.g. openai); optional, narrows the lookup"
    )
    input_tokens: NonNegative = Field(description="Input tokens per request (tokens)")
    output_tokens: NonNegative = Field(description="Output tokens per request (tokens)")
    cached_input_tokens: NonNegative = Field(
        default=0.0, description="Input tokens per request served from the prompt cache (tokens, at most input_tokens)"
    )
    cache_write_input_tokens: NonNegative = Field(
        default=0.0,
        description="Input tokens per request written to the prompt cache "
        "(tokens; with cached_input_tokens at most input_tokens)",
    )
    input_price_per_mtok: NonNegative | None = Field(
        default=None, description="Price of input tokens (currency per million tokens); from the catalog when left out"
    )
    cached_input_price_per_mtok: NonNegative | None = Field(
        default=None,
        description="Price of cached input tokens (currency per million tokens); the catalog's when the input price "
        "comes from the catalog, else the input price",
    )
    cache_write_price_per_mtok: NonNegative | None = Field(
        default=None,
        description="Price of input tokens written to the prompt cache (currency per million tokens); "
        "the catalog's when the input price comes from the catalog, else the input price",
    )
    output_price_per_mtok: NonNegative | None = Field(
        default=None, description="Price of output tokens (currency per million tokens); from the catalog when left out"
    )
    batch_share: Share = Field(default=0.0, description="Share of requests sent through the batch API (fraction 0-1)")
    batch_discount: Share = Field(default=0.0, description="Discount of the batch API (fraction 0-1, 0.5 = half price)")

    @model_validator(mode="after")
    def _check(self) -> TokenPricing:
        if self.cached_input_tokens > self.input_tokens:
            raise ValueError(
                f"cached_input_tokens ({self.cached_input_tokens:g}) may not exceed input_tokens "
                f"({self.input_tokens:g})"
            )
        if self.cached_input_tokens + self.cache_write_input_tokens > self.input_tokens:
            raise ValueError(
                f"cache_write_input_tokens ({self.cache_write_input_tokens:g}) plus cached_input_tokens "
                f"({self.cached_input_tokens:g}) may not exceed input_tokens ({self.input_tokens:g})"
            )
        missing = [f for f in ("input_price_per_mtok", "output_price_per_mtok") if getattr(self, f) is None]
        if missing and not self.model:
            raise ValueError(f"{missing[0]} is missing: give the price or a catalog `model` to take it from")
        if missing:
            lookup(self.model, self.provider)  # an unknown model fails here, naming the closest ones
        return self


class PerRequestPricing(_Ranged):
    """A flat price per request."""

    kind: Literal["per_request"] = "per_request"
    cost: NonNegative = Field(description="Cost per request (currency per request)")


class SelfHostedPricing(_Ranged):
    """Replicas rented by the hour, sized for the peak of the model's own request volume."""

    kind: Literal["self_hosted"] = "self_hosted"
    hourly_price: NonNegative = Field(description="Price of one replica (currency per hour)")
    throughput_rps: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        description="Sustained throughput of one replica (requests per second)"
    )
    utilization: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = Field(
        default=0.6, description="Target utilisation of a replica (fraction, above 0 and at most 1)"
    )
    peak_to_average: Annotated[float, Field(ge=1, allow_inf_nan=False)] = Field(
        default=1.0, description="Peak traffic over average traffic (ratio, at least 1)"
    )
    min_replicas: Annotated[int, Field(ge=0)] = Field(
        default=1, description="Replicas kept running whatever the volume (count)"
    )


Pricing = Annotated[TokenPricing | PerRequestPricing | SelfHostedPricing, Field(discriminator="kind")]


class Teacher(_Ranged):
    """The large model that serves the feature today."""

    name: str = Field(min_length=1, description="Display name of the teacher model")
    quality: Share = Field(description="Share of teacher outputs that are correct on the team's eval (fraction 0-1)")
    pricing: Pricing


class Distillation(_Ranged):
    """One-time cost of making the student."""

    training_examples: NonNegative = Field(
        default=0.0,
        description="Examples labelled by the teacher for training (count), priced at the teacher's 1x cost per "
        "request",
    )
    training_compute: NonNegative = Field(default=0.0, description="Training compute (currency, one-time)")
    engineering: NonNegative = Field(default=0.0, description="Engineering and evaluation (currency, one-time)")


class Student(_Ranged):
    """The distilled model; a feature without one is served by its teacher in both arms."""

    name: str = Field(min_length=1, description="Display name of the student model")
    quality_retention: NonNegative = Field(
        description="Student quality / teacher quality, measured by a distillation run or the team's eval (ratio; "
        "above 1 when the student beats the teacher)"
    )
    pricing: Pricing
    distillation: Distillation = Field(default_factory=Distillation)


class Feature(_Ranged):
    """One AI feature of the product."""

    name: str = Field(min_length=1, description="Feature name, unique in the scenario")
    users: NonNegative = Field(description="Monthly active users of the feature (users per month)")
    requests_per_user: NonNegative = Field(description="AI requests per user (requests per user per month)")
    revenue_per_user: NonNegative = Field(
        default=0.0, description="Revenue attributed to the feature (currency per user per month; 0 for a cost centre)"
    )
    cache_hit_rate: Share = Field(default=0.0, description="Share of requests answered from a cache (fraction 0-1)")
    cache_cost_per_request: NonNegative = Field(default=0.0, description="Cost of a cache hit (currency per request)")
    overhead_per_request: NonNegative = Field(
        default=0.0, description="Retrieval, embeddings, vector DB, logging, guardrails (currency per request)"
    )
    review_share: Share = Field(default=0.0, description="Share of outputs reviewed by a person (fraction 0-1)")
    review_minutes: NonNegative = Field(default=0.0, description="Reviewer time per reviewed output (minutes)")
    reviewer_hourly_cost: NonNegative = Field(default=0.0, description="Loaded cost of a reviewer (currency per hour)")
    cost_per_error: NonNegative = Field(
        default=0.0, description="Economic cost of one incorrect output: refund, ticket, liability (currency per error)"
    )
    teacher: Teacher
    student: Student | None = Field(default=None, description="The distilled model, if any")
    coverage: Share | None = Field(
        default=None,
        description="Share of model-served requests routed to the student first (fraction 0-1); required with a "
        "student",
    )
    escalation: Share = Field(
        default=0.0, description="Share of student-routed requests that fall back to the teacher (fraction 0-1)"
    )

    @model_validator(mode="after")
    def _check(self) -> Feature:
        if self.student is not None and self.coverage is None:
            raise ValueError("coverage is missing: it must be given when the feature has a student")
        if self.student is None and self.coverage is not None:
            raise ValueError("coverage is given but the feature has no student")
        if self.student is not None:
            student_quality = self.student.quality_retention * self.teacher.quality
            if student_quality > 1:
                raise ValueError(
                    f"student.quality_retention ({self.student.quality_retention:g}) x teacher.quality "
                    f"({self.teacher.quality:g}) = {student_quality:g} is a share of correct outputs above 1"
                )
        return self


class Scenario(_Ranged):
    """A product's AI features and the scenario-wide assumptions of the projection."""

    RANGE_FIELDS = ("fixed_monthly_cost",)

    name: str = Field(min_length=1, description="Scenario name")
    currency: str = Field(default="USD", min_length=1, description="Currency of every money figure (ISO code)")
    multipliers: list[Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(
        default_factory=lambda: [1.0, 10.0, 100.0],
        min_length=1,
        description="Volume multipliers to project (x today's volume)",
    )
    growth: Literal["users", "usage"] = Field(
        default="users",
        description="users: users grow (requests and revenue together); usage: requests per user grow, revenue per "
        "user fixed",
    )
    horizon_months: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        default=12.0, description="Horizon of the ROI (months)"
    )
    fixed_monthly_cost: NonNegative = Field(
        default=0.0,
        description="Platform, on-call and eval infrastructure, shared by features in proportion to requests "
        "(currency per month)",
    )
    features: list[Feature] = Field(min_length=1, description="The AI features")

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        seen: set[str] = set()
        for feature in self.features:
            if feature.name in seen:
                raise ValueError(f"features: the name {feature.name!r} is used twice; feature names must be unique")
            if feature.name == "ALL":
                raise ValueError("features: 'ALL' is reserved for the total rows of the projection")
            seen.add(feature.name)
        if len(set(self.multipliers)) != len(self.multipliers):
            raise ValueError(f"multipliers: {self.multipliers} repeats a value")
        return self
