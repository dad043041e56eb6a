"""aueb dashboard: `streamlit run app.py`. A small router; the pages live in aueb/ui/pages.py."""

import streamlit as st

from aueb.ui import components, state

st.set_page_config(page_title="aueb", page_icon="📊", layout="wide")

ROUTES = "aueb/ui/routes"
page = st.navigation(
    [
        st.Page(f"{ROUTES}/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
        st.Page(f"{ROUTES}/costs.py", title="Costs and scale", icon=":material/stacked_line_chart:", url_path="costs"),
        st.Page(f"{ROUTES}/edit.py", title="Edit scenario", icon=":material/tune:", url_path="edit"),
        st.Page(f"{ROUTES}/distillation.py", title="Distillation", icon=":material/science:", url_path="distillation"),
        st.Page(f"{ROUTES}/data.py", title="Import and export", icon=":material/swap_vert:", url_path="data"),
    ]
)
state.begin_run()
with st.sidebar:
    st.markdown("### aueb\nAI Unit Economics Benchmark")
components.sidebar()
components.notice()
page.run()
