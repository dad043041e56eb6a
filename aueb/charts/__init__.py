"""Every plotly figure of the dashboard and of the reports, one module per topic.

- base: the common look (colours, fonts, the figure builder)
- projection: COGS / revenue over tier bands, tier strips, cost per request, volume, features
- distillation: accuracy, throughput and cost of a distillation run
- cascade: the priced confidence cascade (accuracy and AI COGS against coverage)

Functions take DataFrames (from aueb.views and the core) and return go.Figure; they draw,
they do not compute economics, and they never import streamlit.
"""

from aueb.charts.base import BAND_COLORS, BAND_TEXT, CONFIG
from aueb.charts.cascade import cascade_chart
from aueb.charts.distillation import (
    accuracy_chart,
    cost_per_million_chart,
    throughput_chart,
)
from aueb.charts.projection import (
    cogs_to_revenue_chart,
    cost_per_request_chart,
    feature_chart,
    tier_strip_chart,
    volume_chart,
)

__all__ = [
    "BAND_COLORS",
    "BAND_TEXT",
    "CONFIG",
    "accuracy_chart",
    "cascade_chart",
    "cogs_to_revenue_chart",
    "cost_per_million_chart",
    "cost_per_request_chart",
    "feature_chart",
    "throughput_chart",
    "tier_strip_chart",
    "volume_chart",
]
