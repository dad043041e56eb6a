"""Entry of the page overview: st.navigation runs this file, which calls aueb.ui.pages.overview.overview()."""

from aueb.ui.pages.overview import overview

overview()
