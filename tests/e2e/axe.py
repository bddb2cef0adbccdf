"""axe-core (from the npm registry, ``node_modules/axe-core``) run in the page by Playwright.

It is evaluated through the DevTools protocol, not added as a <script>, so the app's
Content-Security-Policy (no inline scripts) stays as it is for the page under test.
"""

from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.1 A and AA, what 适老化 and accessibility rules point to
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SEVERE = ("critical", "serious")


def violations(page, run_only: dict | None = None) -> list[dict]:
    """Every axe violation on the page as it is now: id, impact, how many nodes, help text.

    ``run_only`` is axe.run's option of that name: WCAG 2.1 A and AA (``TAGS``) unless given.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    # resultTypes: only the violations are gathered in full (axe's own advice for speed; the
    # passes and the rest, read by no test, were a third of each run)
    return page.evaluate(
        """async (runOnly) => {
            const result = await axe.run(document, {runOnly, resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
                contrast: v.nodes.slice(0, 3).map(n => (n.any[0] || {}).message || ""),
            }));
        }""",
        run_only or {"type": "tag", "values": TAGS},
    )


def severe(page) -> list[dict]:
    """The critical and serious ones: what a page may not have."""
    return [v for v in violations(page) if v["impact"] in SEVERE]


def enhanced_contrast(page) -> list[dict]:
    """axe's ``color-contrast-enhanced`` (WCAG 1.4.6, AAA: 7:1 for text, 4.5:1 for large text),
    not among axe's defaults; every violation of it, whatever its impact."""
    return violations(page, {"type": "rule", "values": ["color-contrast-enhanced"]})
