"""Files shipped inside the package (tiers table, example scenarios and metrics, sample logs).

They are read through importlib.resources so that an installed wheel finds them from any directory.
The top-level `data/` of a source checkout is a link to `aueb/data/`: one set of files, two ways in.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path


def data_path(*parts: str) -> Path:
    """A path on disk to a file or folder of the package's data.

    setuptools installs package data as plain files (the wheel is not zip-imported),
    so the traversable resolves to a real path that stays valid after the call.
    """
    resource = files("aueb").joinpath("data", *parts)
    with as_file(resource) as path:
        return Path(path)


def bundled_scenario_files() -> dict[str, Path]:
    """The example scenarios shipped in the package (aueb/data/scenarios), by file name without .json.

    `aueb project --example NAME` and the dashboard's "Or a bundled example" both list these.
    """
    return {path.stem: path for path in sorted(data_path("scenarios").glob("*.json"))}
