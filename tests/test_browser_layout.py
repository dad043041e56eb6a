"""Every chart's legend and labels fit, at 1,280 and 1,920 px wide: each page with charts is opened in
Chromium at both widths, screenshot to test-artifacts/layout-<page>-<width>.png, and every legend item,
annotation and title of every plotly chart must lie inside its chart's box (a clipped item sticks out of it),
and no two tick labels of an x axis may overlap."""

from __future__ import annotations

from urllib.parse import urlparse

from browser import CHARTS_DRAWN, READY, artifacts_dir, chromium, requires_chromium

pytestmark = requires_chromium

WIDTHS = (1280, 1920)
# pages whose charts appear once the example metrics are loaded
EXAMPLE_METRICS_PAGES = ("distillation",)
# Each chart's box and the boxes of its legend items, annotations and title, in page pixels.
BOXES = """() => Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]')).map(chart => {
    const svg = chart.querySelector('.main-svg');
    const rect = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom:
        r.bottom}; };
    return {
        title: (chart.querySelector('.gtitle') || {textContent: ''}).textContent,
        box: rect(svg),
        items: Array.from(chart.querySelectorAll('.legend .traces, .annotation, .gtitle'))
            .map(e => ({text: e.textContent, ...rect(e)}))
            .filter(item => item.right > item.left),
        xticks: Array.from(chart.querySelectorAll('.xaxislayer-above')).map(axis =>
            Array.from(axis.querySelectorAll('.xtick text')).map(e => ({text: e.textContent, ...rect(e)}))
                .filter(tick => tick.right > tick.left).sort((a, b) => a.left - b.left)),
    };
})"""


def open_page(page, href: str) -> None:
    page.goto(href)
    # every page has a title; before it shows, the script may not have started
    page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_selector(READY, timeout=60_000)


def has_charts(page) -> bool:
    """Whether the page shows plotly charts. A chart's element is drawn once Streamlit has loaded its
    code (a skeleton stands in meanwhile); its container, keyed `chart_...` by components.plot, is there at once."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=\"stSkeleton\"]').length === 0", timeout=60_000
    )
    if page.locator('[class*="st-key-chart_"], [data-testid="stPlotlyChart"]').count():
        return True
    try:  # a chart drawn by other code than components.plot: give it a moment
        page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=2_000)
    except PlaywrightTimeout:
        return False
    return True


def outside(item: dict, box: dict, slack: float = 1.0) -> bool:
    return (
        item["left"] < box["left"] - slack
        or item["right"] > box["right"] + slack
        or item["top"] < box["top"] - slack
        or item["bottom"] > box["bottom"] + slack
    )


def test_every_legend_item_fits_at_1280_and_1920(server):
    problems: list[str] = []
    checked: dict[str, int] = {}
    with chromium() as browser:
        for width in WIDTHS:
            page = browser.new_page(viewport={"width": width, "height": 2400})
            open_page(page, server)
            links = page.locator('[data-testid="stSidebarNavLink"]')
            # a link's text starts with its icon's name: keep the label
            pages = [
                (links.nth(i).inner_text().strip().splitlines()[-1], links.nth(i).get_attribute("href"))
                for i in range(links.count())
            ]
            for name, href in pages:
                open_page(page, href)
                slug = urlparse(href).path.strip("/") or "overview"
                example = page.get_by_role("button", name="Use the example metrics")
                if slug in EXAMPLE_METRICS_PAGES:
                    # on a loaded machine the page may still be drawing its lower sections: wait for the button
                    example.wait_for(timeout=60_000)
                if example.count():
                    example.click()
                    page.wait_for_selector('[data-testid="stPlotlyChart"]', timeout=30_000)
                    page.wait_for_selector(READY, timeout=30_000)
                if not has_charts(page):
                    continue
                page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
                page.screenshot(path=str(artifacts_dir() / f"layout-{slug}-{width}.png"), full_page=True)
                charts = page.evaluate(BOXES)
                checked[f"{slug}@{width}"] = len(charts)
                for chart in charts:
                    for ticks in chart["xticks"]:
                        for left, right in zip(ticks, ticks[1:], strict=False):
                            if left["right"] > right["left"] + 1:
                                problems.append(
                                    f"{name} at {width} px, chart {chart['title']!r}: tick labels "
                                    f"{left['text']!r} and {right['text']!r} overlap"
                                )
                    assert chart["items"] or chart["title"], f"{name}: a chart without title or legend"
                    for item in chart["items"]:
                        if outside(item, chart["box"]):
                            problems.append(
                                f"{name} at {width} px, chart {chart['title']!r}: {item['text']!r} is clipped "
                                f"({item['left']:.0f}-{item['right']:.0f} x {item['top']:.0f}-{item['bottom']:.0f} "
                                f"outside {chart['box']['left']:.0f}-{chart['box']['right']:.0f} x "
                                f"{chart['box']['top']:.0f}-{chart['box']['bottom']:.0f})"
                            )
            page.close()
    # the pages known to have charts were all seen, at both widths
    for slug in ("overview", "costs", "distillation"):
        for width in WIDTHS:
            assert checked.get(f"{slug}@{width}", 0) >= 2, (slug, width, checked)
    assert not problems, "\n".join(problems)
