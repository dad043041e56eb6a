"""Entry of the page economics: st.navigation runs this file, which calls aueb.ui.pages.economics.economics()."""

from aueb.ui.pages.economics import economics

economics()
