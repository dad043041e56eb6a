"""`aueb distill`: a small, real knowledge-distillation run in torch, measured for the economics.

Run it with `python -m aueb.distill` (see `--help`). It writes a metrics JSON in the contract of
`aueb.metrics`. torch and scikit-learn are imported only by the modules of this package that run
the distillation, so importing this package needs neither.
"""
