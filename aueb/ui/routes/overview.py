"""Entry of the page overview: st.navigation runs this file, which calls aueb.ui.pages.overview()."""

from aueb.ui.pages import overview

overview()
