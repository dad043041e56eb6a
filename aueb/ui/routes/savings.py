"""Entry of the page savings: st.navigation runs this file, which calls aueb.ui.pages.savings.savings()."""

from aueb.ui.pages.savings import savings

savings()
