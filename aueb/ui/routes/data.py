"""Entry of the page data: st.navigation runs this file, which calls aueb.ui.pages.data.data()."""

from aueb.ui.pages.data import data

data()
