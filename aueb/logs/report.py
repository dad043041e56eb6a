"""The `aueb ingest --report` JSON: what was measured from request logs, as a pydantic model.

Other capabilities (reports) read such a file with `IngestReport.model_validate_json`.
Money is in USD (the price catalog's currency); requests and cost are per month (730 hours).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from aueb.strict import StrictModel

REPORT_KEYS = ("window", "records", "features", "daily", "anomalies", "price_checks", "already_saved")


_Model = StrictModel


class Window(_Model):
    start: datetime = Field(description="First instant the monthly figures cover (UTC)")
    end: datetime = Field(description="The last record's time (UTC)")
    hours: float = Field(description="Hours the monthly figures cover: the window, or the whole log when it is shorter")
    scaled: bool = Field(description="Requests and cost were scaled to a month (730 h / hours)")


class RecordRef(_Model):
    file: str
    line: int = Field(description="Line of the file (1 = first line; in a CSV the header is line 1)")
    reason: str = Field(description="What is wrong with the record")


class Records(_Model):
    read: int = Field(description="Entries read: used + ignored + merged + bad")
    used: int = Field(description="Model calls counted in the figures (corrected ones included)")
    bad: int = Field(
        description="Records refused (malformed line, negative token count, unparseable or future time, ...)"
    )
    first_bad: RecordRef | None = None
    ignored: int = Field(
        default=0,
        description="Entries that are not model calls (OTel agent, tool, HTTP spans; Langfuse observations other "
        "than GENERATION)",
    )
    merged: int = Field(
        default=0, description="Duplicates of another record (two instrumentations of one call), left out"
    )
    corrected: int = Field(
        default=0, description="Used records whose producer's known quirk was put right (named in the reason)"
    )
    bad_by_reason: dict[str, int] = Field(default_factory=dict, description="Bad records per reason")
    ignored_by_reason: dict[str, int] = Field(default_factory=dict, description="Ignored entries per reason")
    merged_by_reason: dict[str, int] = Field(default_factory=dict, description="Merged records per reason")
    corrected_by_reason: dict[str, int] = Field(default_factory=dict, description="Corrected records per reason")
    cut_files: list[str] = Field(
        default_factory=list, description="Truncated compressed files whose readable part was used (--allow-bad)"
    )
    outside_window: int = Field(
        default=0, description="Used records before the window's start, left out of the monthly figures"
    )
    unpriced: int = Field(
        default=0, description="Used records whose model the catalog does not know, priced 0 (--allow-unpriced)"
    )


class FeatureFigures(_Model):
    requests: float = Field(description="Requests per month (cache hits included)")
    users: int = Field(description="Distinct user ids in the window (never scaled)")
    requests_per_user: float | None = Field(description="requests / users; none without user ids")
    input_tokens_mean: float | None = Field(description="Input tokens per model call, cached included (tokens)")
    cached_input_tokens_mean: float | None
    output_tokens_mean: float | None
    input_tokens_p50: float | None
    input_tokens_p95: float | None
    output_tokens_p50: float | None
    output_tokens_p95: float | None
    cache_hit_rate: float | None = Field(description="Response-cache hits / requests (fraction)")
    cost: float = Field(description="Cost per month recomputed with the catalog (USD)")
    cost_per_request: float | None = Field(description="cost / requests (USD per request)")
    models: dict[str, float] = Field(description="Model -> share of the feature's model calls")
    growth_monthly: float | None = Field(description="Monthly growth of daily requests (fraction; none under 14 days)")
    months_to_10x: float | None
    months_to_100x: float | None


class DailyRow(_Model):
    date: date
    feature: str
    requests: int
    cost: float = Field(description="Cost of the day recomputed with the catalog (USD)")


class Anomaly(_Model):
    feature: str
    date: date
    cost: float
    median: float = Field(description="Median daily cost of the previous 14 days (USD)")
    threshold: float = Field(description="Cost above which the day is anomalous (USD)")


class PriceCheck(_Model):
    model: str
    recorded_cost: float = Field(description="Cost the logging tool recorded, over the records that carry one (USD)")
    recomputed_cost: float = Field(description="The same records priced with the catalog (USD)")
    ratio: float | None = Field(description="recorded / recomputed; none when recomputed is 0")
    flagged: bool = Field(description="The two differ by more than 1% of the recomputed cost")


class AlreadySaved(_Model):
    feature: str
    model: str
    list_cost: float = Field(
        description="Cost per month of the window's model calls at list prices, every input token uncached, no batch "
        "(USD)"
    )
    actual_cost: float = Field(description="Cost per month as priced (prompt cache reads and writes, batch) (USD)")
    saved: float = Field(description="list_cost - actual_cost (USD per month)")


class IngestReport(_Model):
    window: Window
    records: Records
    features: dict[str, FeatureFigures]
    daily: list[DailyRow]
    anomalies: list[Anomaly]
    price_checks: list[PriceCheck]
    already_saved: list[AlreadySaved] = Field(
        default_factory=list, description="Per feature and model: what prompt caching and batch already save"
    )
