"""Entry of the page edit: st.navigation runs this file, which calls aueb.ui.pages.edit()."""

from aueb.ui.pages import edit

edit()
