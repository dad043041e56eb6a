"""Entry of the page costs: st.navigation runs this file, which calls aueb.ui.pages.costs.costs()."""

from aueb.ui.pages.costs import costs

costs()
