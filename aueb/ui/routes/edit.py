"""Entry of the page edit: st.navigation runs this file, which calls aueb.ui.pages.edit.edit()."""

from aueb.ui.pages.edit import edit

edit()
