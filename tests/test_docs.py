"""The docs hold together: every relative link of README.md, the top-level pages and docs/*.md resolves (the
file, and the #anchor of a Markdown page), no library is linked to a package index's page, and every `aueb ...`
command the docs show (in a code block or an inline code span) is a command of the CLI. The README stays small
and keeps the set-up commands that .ci/run reads.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer

from aueb.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = sorted([*ROOT.glob("*.md"), *(ROOT / "docs").glob("*.md")])

FENCE = re.compile(r"^(```|~~~)")
SHELL_LANGUAGES = {"", "bash", "sh", "shell", "console", "zsh"}
INLINE_CODE = re.compile(r"(`+)(.+?)\1")
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HTML_ANCHOR = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"", re.I)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
PACKAGE_INDEXES = ("pypi.org", "pypi.python.org", "pepy.tech", "libraries.io", "anaconda.org")
OPERATORS = {"&&", "||", ";", "|", "&", "(", ")"}


def split_code(text: str) -> tuple[str, list[tuple[str, str]]]:
    """The page's prose (fenced blocks blanked, line count kept) and its fenced blocks as (language, body)."""
    prose: list[str] = []
    blocks: list[tuple[str, str]] = []
    body: list[str] = []
    fence: str | None = None
    language = ""
    for line in text.splitlines():
        match = FENCE.match(line.strip())
        if fence is None and match:
            fence, language, body = match.group(1), line.strip()[3:].strip().lower(), []
            prose.append("")
        elif fence is not None and line.strip().startswith(fence):
            blocks.append((language, "\n".join(body)))
            fence = None
            prose.append("")
        elif fence is not None:
            body.append(line)
            prose.append("")
        else:
            prose.append(line)
    return "\n".join(prose), blocks


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: the rendered text, lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).replace("`", "")
    text = re.sub(r"(\*\*|__|\*)", "", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Every #anchor a Markdown page offers: its headings (GitHub's slugs, duplicates numbered) and <a id>s."""
    prose, _ = split_code(path.read_text(encoding="utf-8"))
    found: set[str] = set(HTML_ANCHOR.findall(prose))
    seen: dict[str, int] = {}
    for line in prose.splitlines():
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    """The link targets of a page: inline links, images and reference definitions, outside code."""
    prose, _ = split_code(path.read_text(encoding="utf-8"))
    prose = INLINE_CODE.sub(lambda m: "code", prose)
    return LINK.findall(prose) + REFERENCE.findall(prose)


def broken_links(path: Path) -> list[str]:
    """Relative links of the page that do not resolve: a missing file, or an anchor its Markdown page lacks."""
    problems = []
    for target in links(path):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        goal = (path.parent / file_part).resolve() if file_part else path
        if not goal.exists():
            problems.append(f"{path.name}: {target}: no such file")
        elif anchor and goal.suffix == ".md" and anchor not in anchors(goal):
            problems.append(f"{path.name}: {target}: no heading with the anchor #{anchor}")
    return problems


def index_links(path: Path) -> list[str]:
    """Links to a package index's page, where the library's own repository or documentation belongs."""
    return [target for target in links(path) if any(host in target.lower() for host in PACKAGE_INDEXES)]


def shell_lines(body: str) -> list[str]:
    """The logical lines of a shell block: continuation backslashes joined, a leading `$ ` prompt dropped."""
    lines, current = [], ""
    for line in body.splitlines():
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        lines.append((current + line).strip().removeprefix("$ "))
        current = ""
    if current:
        lines.append(current.strip())
    return lines


def tokens(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote (prose in an inline span): fall back to words
        return line.split()


def aueb_commands(line: str) -> list[list[str]]:
    """Each `aueb ...` invocation of a shell line (also after &&, |, ;), as the words that follow `aueb`."""
    found, words, start = [], tokens(line), True
    for i, word in enumerate(words):
        if word in OPERATORS:
            start = True
            continue
        if start and Path(word).name == "aueb":
            rest = []
            for following in words[i + 1 :]:
                if following in OPERATORS:
                    break
                rest.append(following)
            found.append(rest)
        start = False
    return found


def commands_shown(path: Path) -> list[list[str]]:
    """Every `aueb ...` command of a page: in shell code blocks, and in inline code spans of the prose."""
    prose, blocks = split_code(path.read_text(encoding="utf-8"))
    found = []
    for language, body in blocks:
        if language in SHELL_LANGUAGES:
            for line in shell_lines(body):
                found.extend(aueb_commands(line))
    for _, span in INLINE_CODE.findall(prose):
        if re.match(r"^\s*(\S*/)?aueb\s", span + " "):
            found.extend(aueb_commands(span))
    return found


def subcommands(node: object) -> dict[str, object] | None:
    """A group's commands by name (typer's groups carry `commands`), None for a leaf command."""
    commands = getattr(node, "commands", None)
    return commands if isinstance(commands, dict) else None


def unknown_command(words: list[str]) -> str | None:
    """None when the words after `aueb` start with a command path of the CLI; else what is wrong."""
    node: object = typer.main.get_command(app)
    path = ["aueb"]
    for word in words:
        commands = subcommands(node)
        if commands is None or word.startswith("-"):
            break
        if word not in commands:
            return f"{' '.join(path)} has no command {word!r} (it has {', '.join(sorted(commands))})"
        node = commands[word]
        path.append(word)
    if subcommands(node) is not None and len(path) > 1:
        return f"{' '.join(path)} needs a subcommand"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    assert broken_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_libraries_link_to_their_own_pages_not_a_package_index(page):
    assert index_links(page) == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_shown_exists_in_the_cli(page):
    problems = [f"aueb {' '.join(words)}: {why}" for words in commands_shown(page) if (why := unknown_command(words))]
    assert problems == []


def test_the_docs_show_the_commands_of_the_cli():
    """The command check sees the docs' commands: the README's cheat sheet names most of the CLI."""
    shown = {words[0] for page in PAGES for words in commands_shown(page) if words}
    cli = set(subcommands(typer.main.get_command(app)) or {})
    assert {"project", "convert", "dashboard", "distill", "ingest", "report", "risk", "plan"} <= shown
    assert shown - {"--help"} <= cli


def test_the_checks_find_a_broken_link_a_missing_anchor_an_index_link_and_an_unknown_command(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## A `code` heading: here (too)\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[fine](other.md#a-code-heading-here-too) [self](#page) [gone](missing.md)"
        " [no anchor](other.md#nowhere) [index](https://pypi.org/project/genai-prices/)\n\n"
        "```bash\naueb project x.json && aueb frobnicate --fast  # aueb not-a-comment\n```\n"
        'Inline: `aueb tiers` and `aueb nothing here`.\n\n```json\n{"aueb fake": 1}\n```\n',
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "page.md: missing.md: no such file",
        "page.md: other.md#nowhere: no heading with the anchor #nowhere",
    ]
    assert index_links(page) == ["https://pypi.org/project/genai-prices/"]
    shown = commands_shown(page)
    assert shown == [["project", "x.json"], ["frobnicate", "--fast"], ["tiers"], ["nothing", "here"]]
    assert [unknown_command(words) is None for words in shown] == [True, False, True, False]


def test_slugs_follow_github():
    assert slug("Text: a MiniLM teacher on customer tweets (`--task text`)") == (
        "text-a-minilm-teacher-on-customer-tweets---task-text"
    )
    assert (
        slug("Risk: ranges, Monte Carlo and tornado (`aueb risk`)") == "risk-ranges-monte-carlo-and-tornado-aueb-risk"
    )


def test_the_readme_fits_and_keeps_the_set_up_commands_that_ci_reads():
    text = README.read_text(encoding="utf-8")
    assert len(text.encode("utf-8")) <= 15_000
    for marker in ("dashboard-command", "test-command"):
        block = re.search(rf"<!-- {marker} -->\n```bash\n(.+)\n```\n<!-- /{marker} -->", text)
        assert block, f"README.md lost the {marker} block that .ci/run reads"
        assert block.group(1).startswith("python3 -m venv .venv && ")


def test_the_shipped_economics_is_the_docs_page():
    """aueb/data/economics.md (shipped in the wheel: `aueb economics`, the dashboard) is docs/economics.md."""
    shipped = ROOT / "aueb" / "data" / "economics.md"  # a link to docs/economics.md in the repository
    assert shipped.read_bytes() == (ROOT / "docs" / "economics.md").read_bytes()


def test_contributing_maps_every_module_and_only_modules_that_exist():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    modules = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "aueb").rglob("*.py"))
    named = set(re.findall(r"`(aueb/[\w/]+\.py)`", text))
    assert [m for m in modules if m not in named] == [], "CONTRIBUTING.md's map misses these modules"
    assert sorted(n for n in named if not (ROOT / n).exists() and "<" not in n) == []
