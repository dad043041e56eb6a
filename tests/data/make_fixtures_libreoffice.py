"""Make the LibreOffice fixtures of tests/test_finance_workbook.py (run from the repository root):

    PYTHONPATH=. python tests/data/make_fixtures_libreoffice.py

aueb writes the bundled customer-support scenario (plus features named `'=1+1` and `=1+1`) as a workbook;
LibreOffice Calc, headless, in a fresh user profile set to German (de-DE), opens it and saves it again as .xlsx,
and also as .csv (whose decimal commas show that the German setting took effect).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios, write_scenarios

HERE = Path(__file__).parent
GERMAN_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N">
 <prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>de-DE</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooLocale" oor:op="fuse"><value>de-DE</value></prop></item>
<item oor:path="/org.openoffice.Office.Linguistic/General">
 <prop oor:name="DefaultLocale" oor:op="fuse"><value>de-DE</value></prop></item>
</oor:items>
"""


def scenarios():
    (scenario,) = load_scenarios(DEFAULT_SCENARIO_PATH)
    base = scenario.features[0]
    odd = [base.model_copy(update={"name": name}) for name in ("'=1+1", "=1+1", "@SUM(A1)", "O'Brien's chat")]
    return [scenario.model_copy(update={"name": "Kundenservice (Büro München)", "features": [base, *odd]})]


def german_resave(source: Path, target_dir: Path, convert_to: str) -> Path:
    """`soffice --headless --convert-to` in a fresh profile whose locale is de-DE."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(GERMAN_PROFILE, encoding="utf-8")
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                convert_to,
                "--outdir",
                str(target_dir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
            env={"LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "HOME": profile, "PATH": "/usr/bin:/bin"},
        )
    return target_dir / (source.stem + "." + convert_to.split(":")[0])


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        source = work_dir / "aueb_written.xlsx"
        write_scenarios(scenarios(), source)
        shutil.copy(source, HERE / "scenario_aueb_written.xlsx")
        resaved = german_resave(source, work_dir / "out", "xlsx")
        shutil.copy(resaved, HERE / "scenario_libreoffice_de.xlsx")
        csv = german_resave(source, work_dir / "csv", "csv:Text - txt - csv (StarCalc):59,34,76,1")
        shutil.copy(csv, HERE / "scenario_libreoffice_de_features.csv")
    print("wrote", *(p.name for p in sorted(HERE.glob("scenario_*"))), file=sys.stderr)


if __name__ == "__main__":
    main()
