"""Entry of the page usage: st.navigation runs this file, which calls aueb.ui.pages.usage.usage()."""

from aueb.ui.pages.usage import usage

usage()
