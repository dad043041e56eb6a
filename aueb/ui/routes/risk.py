"""Entry of the page risk: st.navigation runs this file, which calls aueb.ui.pages.risk.risk_page()."""

from aueb.ui.pages.risk import risk_page

risk_page()
