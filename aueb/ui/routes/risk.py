"""Entry of the page risk: st.navigation runs this file, which calls aueb.ui.risk.risk_page()."""

from aueb.ui.risk import risk_page

risk_page()
