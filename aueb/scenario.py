"""The scenario: every input of docs/economics.md, with its unit, as pydantic v2 models.

Shares are fractions in [0, 1]; money is in the scenario's currency; volumes are per month.
Validation messages name the field, so the CLI and the dashboard can show them as they are.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from aueb.catalog import lookup

SCHEMA_VERSION = 1

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class _Model(BaseModel):
    # Unknown keys are typos in a hand-written file: refuse them rather than drop them.
    # A check across fields starts its message with the field it blames, so that readers
    # (the CSV's row and column) can point at it.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class TokenPricing(_Model):
    """A token-priced API model. Prices left out come from the pinned genai-prices catalog."""

    kind: Literal["tokens"] = "tokens"
    model: str | None = Field(None, min_length=1, description="Catalog model name (e.g. gpt-4o); needed when a price is left out")
    provider: str | None = Field(None, min_length=1, description="Catalog provider id (e.g. openai); optional, narrows the lookup")
    input_tokens: NonNegative = Field(description="Input tokens per request (tokens)")
    output_tokens: NonNegative = Field(description="Output tokens per request (tokens)")
    cached_input_tokens: NonNegative = Field(0.0, description="Input tokens per request served from the prompt cache (tokens, at most input_tokens)")
    input_price_per_mtok: NonNegative | None = Field(None, description="Price of input tokens (currency per million tokens); from the catalog when left out")
    cached_input_price_per_mtok: NonNegative | None = Field(None, description="Price of cached input tokens (currency per million tokens); the catalog's when the input price comes from the catalog, else the input price")
    output_price_per_mtok: NonNegative | None = Field(None, description="Price of output tokens (currency per million tokens); from the catalog when left out")
    batch_share: Share = Field(0.0, description="Share of requests sent through the batch API (fraction 0-1)")
    batch_discount: Share = Field(0.0, description="Discount of the batch API (fraction 0-1, 0.5 = half price)")

    @model_validator(mode="after")
    def _check(self) -> TokenPricing:
        if self.cached_input_tokens > self.input_tokens:
            raise ValueError(
                f"cached_input_tokens ({self.cached_input_tokens:g}) may not exceed input_tokens ({self.input_tokens:g})"
            )
        missing = [f for f in ("input_price_per_mtok", "output_price_per_mtok") if getattr(self, f) is None]
        if missing and not self.model:
            raise ValueError(f"{missing[0]} is missing: give the price or a catalog `model` to take it from")
        if missing:
            lookup(self.model, self.provider)  # an unknown model fails here, naming the closest ones
        return self


class PerRequestPricing(_Model):
    """A flat price per request."""

    kind: Literal["per_request"] = "per_request"
    cost: NonNegative = Field(description="Cost per request (currency per request)")


class SelfHostedPricing(_Model):
    """Replicas rented by the hour, sized for the peak of the model's own request volume."""

    kind: Literal["self_hosted"] = "self_hosted"
    hourly_price: NonNegative = Field(description="Price of one replica (currency per hour)")
    throughput_rps: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(
        description="Sustained throughput of one replica (requests per second)"
    )
    utilization: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = Field(
        0.6, description="Target utilisation of a replica (fraction, above 0 and at most 1)"
    )
    peak_to_average: Annotated[float, Field(ge=1, allow_inf_nan=False)] = Field(
        1.0, description="Peak traffic over average traffic (ratio, at least 1)"
    )
    min_replicas: Annotated[int, Field(ge=0)] = Field(1, description="Replicas kept running whatever the volume (count)")


Pricing = Annotated[Union[TokenPricing, PerRequestPricing, SelfHostedPricing], Field(discriminator="kind")]


class Teacher(_Model):
    """The large model that serves the feature today."""

    name: str = Field(min_length=1, description="Display name of the teacher model")
    quality: Share = Field(description="Share of teacher outputs that are correct on the team's eval (fraction 0-1)")
    pricing: Pricing


class Distillation(_Model):
    """One-time cost of making the student."""

    training_examples: NonNegative = Field(0.0, description="Examples labelled by the teacher for training (count), priced at the teacher's 1x cost per request")
    training_compute: NonNegative = Field(0.0, description="Training compute (currency, one-time)")
    engineering: NonNegative = Field(0.0, description="Engineering and evaluation (currency, one-time)")


class Student(_Model):
    """The distilled model; a feature without one is served by its teacher in both arms."""

    name: str = Field(min_length=1, description="Display name of the student model")
    quality_retention: NonNegative = Field(
        description="Student quality / teacher quality, measured by a distillation run or the team's eval (ratio; above 1 when the student beats the teacher)"
    )
    pricing: Pricing
    distillation: Distillation = Field(default_factory=Distillation)


class Feature(_Model):
    """One AI feature of the product."""

    name: str = Field(min_length=1, description="Feature name, unique in the scenario")
    users: NonNegative = Field(description="Monthly active users of the feature (users per month)")
    requests_per_user: NonNegative = Field(description="AI requests per user (requests per user per month)")
    revenue_per_user: NonNegative = Field(0.0, description="Revenue attributed to the feature (currency per user per month; 0 for a cost centre)")
    cache_hit_rate: Share = Field(0.0, description="Share of requests answered from a cache (fraction 0-1)")
    cache_cost_per_request: NonNegative = Field(0.0, description="Cost of a cache hit (currency per request)")
    overhead_per_request: NonNegative = Field(0.0, description="Retrieval, embeddings, vector DB, logging, guardrails (currency per request)")
    review_share: Share = Field(0.0, description="Share of outputs reviewed by a person (fraction 0-1)")
    review_minutes: NonNegative = Field(0.0, description="Reviewer time per reviewed output (minutes)")
    reviewer_hourly_cost: NonNegative = Field(0.0, description="Loaded cost of a reviewer (currency per hour)")
    cost_per_error: NonNegative = Field(0.0, description="Economic cost of one incorrect output: refund, ticket, liability (currency per error)")
    teacher: Teacher
    student: Student | None = Field(None, description="The distilled model, if any")
    coverage: Share | None = Field(None, description="Share of model-served requests routed to the student first (fraction 0-1); required with a student")
    escalation: Share = Field(0.0, description="Share of student-routed requests that fall back to the teacher (fraction 0-1)")

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


class Scenario(_Model):
    """A product's AI features and the scenario-wide assumptions of the projection."""

    name: str = Field(min_length=1, description="Scenario name")
    currency: str = Field("USD", min_length=1, description="Currency of every money figure (ISO code)")
    multipliers: list[Annotated[float, Field(gt=0, allow_inf_nan=False)]] = Field(
        default_factory=lambda: [1.0, 10.0, 100.0], min_length=1, description="Volume multipliers to project (x today's volume)"
    )
    growth: Literal["users", "usage"] = Field(
        "users", description="users: users grow (requests and revenue together); usage: requests per user grow, revenue per user fixed"
    )
    horizon_months: Annotated[float, Field(gt=0, allow_inf_nan=False)] = Field(12.0, description="Horizon of the ROI (months)")
    fixed_monthly_cost: NonNegative = Field(0.0, description="Platform, on-call and eval infrastructure, shared by features in proportion to requests (currency per month)")
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
