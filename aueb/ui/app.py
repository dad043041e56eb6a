"""The dashboard's router: st.navigation over the page files in aueb/ui/routes.

It lives in the package so that `aueb dashboard` runs it from an installed wheel too;
the top-level app.py of a checkout calls the same function.
"""

import streamlit as st

from aueb.ui import ROUTES, components, state


def route() -> None:
    st.set_page_config(page_title="aueb", page_icon="📊", layout="wide")
    page = st.navigation(
        [
            st.Page(
                ROUTES / "overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True
            ),
            st.Page(
                ROUTES / "costs.py", title="Costs and scale", icon=":material/stacked_line_chart:", url_path="costs"
            ),
            st.Page(ROUTES / "edit.py", title="Edit scenario", icon=":material/tune:", url_path="edit"),
            st.Page(
                ROUTES / "distillation.py", title="Distillation", icon=":material/science:", url_path="distillation"
            ),
            st.Page(ROUTES / "risk.py", title="Risk", icon=":material/casino:", url_path="risk"),
            st.Page(ROUTES / "usage.py", title="Usage", icon=":material/monitoring:", url_path="usage"),
            st.Page(ROUTES / "savings.py", title="Savings plan", icon=":material/savings:", url_path="savings"),
            st.Page(ROUTES / "data.py", title="Import and export", icon=":material/swap_vert:", url_path="data"),
            st.Page(
                ROUTES / "economics.py", title="How it is computed", icon=":material/functions:", url_path="economics"
            ),
        ]
    )
    state.begin_run()
    components.sidebar()
    components.notice()
    page.run()


if __name__ == "__main__":
    route()
