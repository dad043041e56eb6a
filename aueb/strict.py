"""The one strict pydantic base model of aueb's files and reports (scenario, metrics, risk and ingest reports).

Unknown keys are typos in a hand-written file: refuse them rather than drop them; assignments are
validated too, so that a model edited in place (the dashboard's scenario) stays valid.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A pydantic model that refuses unknown keys and validates assignments."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
