"""aueb dashboard: `streamlit run app.py`. The router is aueb/ui/app.py, shipped in the package."""

from aueb.ui.app import route

route()
