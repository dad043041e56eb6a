"""Make the LibreOffice fixtures of tests/test_finance_workbook.py and tests/test_finance_names.py
(run from the repository root; `workbook` or `names` makes only that part):

    PYTHONPATH=. python tests/data/make_fixtures_libreoffice.py [workbook|names]

workbook: aueb writes the bundled customer-support scenario (plus features named `'=1+1` and `=1+1`) as a
workbook; LibreOffice Calc, headless, in a fresh user profile set to German (de-DE), opens it and saves it again
as .xlsx, and also as .csv (whose decimal commas show that the German setting took effect).

names: aueb writes the scenario as its finance CSV with features named as a spreadsheet would run them
(`'=1+1`, `=1+1`, `=SUM(A1:A2)`, `+cmd`, `-x`, `@y`, a name with `;` and quotes); LibreOffice opens the CSV
(comma, UTF-8, numbers read as English, as its import dialog offers for a comma file) and saves it back as CSV
with English settings (en-US profile: comma, decimal point), as CSV with German settings (de-DE profile: `;`,
decimal comma) and as .xlsx.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from aueb.formats import DEFAULT_SCENARIO_PATH, load_scenarios, scenarios_to_csv, write_scenarios

HERE = Path(__file__).parent
PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N">
 <prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N">
 <prop oor:name="ooLocale" oor:op="fuse"><value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Office.Linguistic/General">
 <prop oor:name="DefaultLocale" oor:op="fuse"><value>{locale}</value></prop></item>
</oor:items>
"""


def scenarios():
    (scenario,) = load_scenarios(DEFAULT_SCENARIO_PATH)
    base = scenario.features[0]
    odd = [base.model_copy(update={"name": name}) for name in ("'=1+1", "=1+1", "@SUM(A1)", "O'Brien's chat")]
    return [scenario.model_copy(update={"name": "Kundenservice (Büro München)", "features": [base, *odd]})]


# Features named as a spreadsheet would run them (a formula, a sign, an at) and a name with `;` and quotes.
ODD_NAMES = ("'=1+1", "=1+1", "=SUM(A1:A2)", "+cmd", "-x", "@y", 'Team; "quoted" name', "O'Brien's chat")
# LibreOffice's CSV filter options: separator, text delimiter, UTF-8, from line 1, no column types, numbers
# in English (1033); a `;` file is written with 59.
CSV_IN = "CSV:44,34,76,1,,1033"
CSV_COMMA = "csv:Text - txt - csv (StarCalc):44,34,76,1"
CSV_SEMICOLON = "csv:Text - txt - csv (StarCalc):59,34,76,1"


def german_resave(source: Path, target_dir: Path, convert_to: str) -> Path:
    """`soffice --headless --convert-to` in a fresh profile whose locale is de-DE."""
    return resave(source, target_dir, convert_to, "de-DE")


def resave(source: Path, target_dir: Path, convert_to: str, locale: str, infilter: str | None = None) -> Path:
    """`soffice --headless --convert-to` in a fresh profile whose locale is `locale` (en-US, de-DE)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install libreoffice-calc-nogui")
    with tempfile.TemporaryDirectory() as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(PROFILE.format(locale=locale), encoding="utf-8")
        lang = locale.replace("-", "_") + ".UTF-8"
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                *([f"--infilter={infilter}"] if infilter else []),
                "--convert-to",
                convert_to,
                "--outdir",
                str(target_dir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
            env={"LANG": lang, "LC_ALL": lang, "HOME": profile, "PATH": "/usr/bin:/bin"},
        )
    return target_dir / (source.stem + "." + convert_to.split(":")[0])


def names_scenarios():
    (scenario,) = load_scenarios(DEFAULT_SCENARIO_PATH)
    base = scenario.features[0]
    odd = [base.model_copy(update={"name": name}) for name in ODD_NAMES]
    return [scenario.model_copy(update={"features": [base, *odd]})]


def make_workbook_fixtures() -> None:
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        source = work_dir / "aueb_written.xlsx"
        write_scenarios(scenarios(), source)
        shutil.copy(source, HERE / "scenario_aueb_written.xlsx")
        resaved = german_resave(source, work_dir / "out", "xlsx")
        shutil.copy(resaved, HERE / "scenario_libreoffice_de.xlsx")
        csv = german_resave(source, work_dir / "csv", "csv:Text - txt - csv (StarCalc):59,34,76,1")
        shutil.copy(csv, HERE / "scenario_libreoffice_de_features.csv")


def make_names_fixtures() -> None:
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        source = work_dir / "names.csv"
        source.write_text(scenarios_to_csv(names_scenarios()), encoding="utf-8")
        shutil.copy(source, HERE / "names_aueb_written.csv")
        for convert_to, locale, target in (
            (CSV_COMMA, "en-US", "names_libreoffice_en.csv"),
            (CSV_SEMICOLON, "de-DE", "names_libreoffice_de.csv"),
            ("xlsx", "en-US", "names_libreoffice.xlsx"),
        ):
            made = resave(source, work_dir / target.split(".")[0], convert_to, locale, CSV_IN)
            shutil.copy(made, HERE / target)


def main() -> None:
    parts = sys.argv[1:] or ["workbook", "names"]
    if "workbook" in parts:
        make_workbook_fixtures()
    if "names" in parts:
        make_names_fixtures()
    print("wrote", *(p.name for p in sorted([*HERE.glob("scenario_*"), *HERE.glob("names_*")])), file=sys.stderr)


if __name__ == "__main__":
    main()
