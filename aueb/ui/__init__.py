"""The Streamlit dashboard: pages (pages.py), charts (charts/), session state (state.py).

Only this package imports streamlit; it never imports torch (the distillation runs as a subprocess).
"""
