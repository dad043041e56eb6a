"""Entry of the page usage: st.navigation runs this file, which calls aueb.ui.usage.usage()."""

from aueb.ui.usage import usage

usage()
