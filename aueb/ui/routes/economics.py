"""Entry of the page economics: st.navigation runs this file, which calls aueb.ui.pages.economics()."""

from aueb.ui.pages import economics

economics()
