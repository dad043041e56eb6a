"""The self-contained HTML report: one file, plotly.js inlined once, no network needed to open it."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files

import jinja2
import plotly.io as pio
from markupsafe import Markup, escape
from plotly.offline import get_plotlyjs
from plotly.utils import PlotlyJSONEncoder

from aueb.charts import BAND_COLORS, BAND_TEXT, CONFIG
from aueb.report.model import Chart, ReportContent, Table
from aueb.tiers import BANDS

TEMPLATES = files("aueb.report").joinpath("templates")
# Definitions every report explains, whatever its sections link to.
ALWAYS_DEFINED = ("multiplier", "tiers")
REPORT_TEMPLATE = "plotly"
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def _bold(line: str) -> Markup:
    """Escape a sentence and turn its **bold** marks into <strong>."""
    return Markup(_BOLD.sub(r"<strong>\1</strong>", str(escape(line))))


def _band_value(cell: str, band: str) -> str:
    """The figure of a headline cell without its band, which the cell shows on a line of its own."""
    return cell.removesuffix(f" · {band}")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: TEMPLATES.joinpath(name).read_text("utf-8")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(bold=_bold, band_value=_band_value, kind=lambda block: type(block).__name__)
    return env


@cache
def _plotly_template() -> dict:
    return json.loads(json.dumps(pio.templates[REPORT_TEMPLATE].to_plotly_json(), cls=PlotlyJSONEncoder))


@cache
def _plotly_js() -> Markup:
    return Markup(get_plotlyjs())


def _script_json(data: object) -> Markup:
    """JSON that is safe inside a <script> element: no '<' that could close it or open another."""
    return Markup(json.dumps(data, separators=(",", ":")).replace("<", "\\u003c"))


def _aueb_version() -> str:
    try:
        return version("aueb")
    except PackageNotFoundError:
        return "(source)"


def _economics_keys(content: ReportContent) -> list[str]:
    """The definitions the report links to, in the order of the definitions file."""
    used = set(ALWAYS_DEFINED)
    for section in content.sections:
        for block in section.blocks:
            if isinstance(block, Chart):
                used.add(block.definition)
            elif isinstance(block, Table):
                used.update(k for k in (block.row_keys or []) + (block.column_keys or []) if k)
            elif hasattr(block, "items"):
                used.update(item.key for item in block.items)
    return [key for key in content.definitions if key in used]


def render_html(content: ReportContent, *, responsive: bool = True) -> str:
    """The report as one HTML file. `responsive`: charts follow the window (on screen); the PDF draws them once, at the
    width of its column, so that printing does not start a redraw."""
    charts = []
    for section in content.sections:
        for block in section.blocks:
            if isinstance(block, Chart):
                figure = json.loads(block.figure.to_json())
                # The process's default template may be another's (Streamlit sets its own, with colours only its
                # front end fills in): every chart of a report gets plotly's, embedded once.
                figure["layout"].pop("template", None)
                charts.append({"key": block.key, "figure": figure})
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            title=content.title,
            subtitle=content.subtitle,
            created=f"{content.created:%Y-%m-%d %H:%M} UTC",
            currency=content.scenario.currency,
            version=_aueb_version(),
            css=Markup(TEMPLATES.joinpath("report.css").read_text("utf-8")),
            plotly_js=_plotly_js(),
            sections=content.sections,
            definitions=content.definitions,
            economics_keys=_economics_keys(content),
            bands=BANDS,
            band_colors=BAND_COLORS,
            band_text=BAND_TEXT,
            charts_json=_script_json(charts),
            template_json=_script_json(_plotly_template()),
            config_json=_script_json({**CONFIG, "responsive": responsive}),
            responsive=responsive,
        )
    )
