"""The Streamlit dashboard: one module per page (pages/), its route files (routes/), session state (state.py);
the charts are aueb.charts, shared with the reports.

Only this package imports streamlit; it never imports torch (the distillation runs as a subprocess).
"""

from pathlib import Path

# The page files that st.navigation runs; links between pages name them by absolute path, which holds
# whichever script Streamlit was started with (app.py of a checkout or aueb/ui/app.py of a wheel).
ROUTES = Path(__file__).resolve().parent / "routes"
