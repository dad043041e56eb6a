"""Entry of the page costs: st.navigation runs this file, which calls aueb.ui.pages.costs()."""

from aueb.ui.pages import costs

costs()
