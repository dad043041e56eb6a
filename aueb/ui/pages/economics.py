"""The How it is computed page: docs/economics.md as shipped in the package."""

from __future__ import annotations

import re

import streamlit as st

from aueb.formats import ECONOMICS_PATH


@st.cache_data(show_spinner=False)
def _economics_text() -> str:
    # The doc's check markers are for its test; on screen they are noise.
    return re.sub(r"<!-- /?check[^>]*-->\n", "", ECONOMICS_PATH.read_text(encoding="utf-8"))


def economics() -> None:
    """docs/economics.md, as shipped in the package: every figure, formula, unit and choice."""
    title, _, body = _economics_text().partition("\n")
    st.title(title.removeprefix("# "))
    st.markdown(body)
