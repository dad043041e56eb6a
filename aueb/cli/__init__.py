"""The `aueb` command line: parse, call the core, render. Bad input exits 2 with one line on stderr.

One module per topic registers its commands on the shared app of aueb.cli.base.
"""

# Importing a topic registers its commands.
from aueb.cli import (  # noqa: F401
    cascade,
    distill_cost,
    distillation,
    logs,
    monitor,
    plan,
    projection,
    report,
    risk,
)
from aueb.cli.base import app

__all__ = ["app"]
