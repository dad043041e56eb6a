"""Entry of the page distillation: st.navigation runs this file, which calls aueb.ui.pages.distillation()."""

from aueb.ui.pages import distillation

distillation()
