"""Entry of the page distillation: st.navigation runs this file.

It calls aueb.ui.pages.distillation.distillation()."""

from aueb.ui.pages.distillation import distillation

distillation()
