"""The `aueb` command line: parse, call the core, render. Bad input exits 2 with one line on stderr.

One module per topic registers its commands on the shared app of aueb.cli.base.
"""

from aueb.cli import cascade, distillation, logs, monitor, projection, report, risk  # noqa: F401  (importing a topic registers its commands)
from aueb.cli.base import app

__all__ = ["app"]
