"""Request logs (OpenTelemetry GenAI spans, LiteLLM, Langfuse, plain CSV) read with DuckDB into
measured figures, an `aueb ingest --report` JSON and a ready scenario. No streamlit here."""

from aueb.logs.ingest import DEFAULT_WINDOW_HOURS, Measured, ingest
from aueb.logs.records import UNATTRIBUTED
from aueb.logs.report import IngestReport
from aueb.logs.sources import FORMATS

__all__ = ["DEFAULT_WINDOW_HOURS", "FORMATS", "UNATTRIBUTED", "IngestReport", "Measured", "ingest"]
