"""Entry of the page data: st.navigation runs this file, which calls aueb.ui.pages.data()."""

from aueb.ui.pages import data

data()
