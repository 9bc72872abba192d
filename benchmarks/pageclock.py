"""The page's own clock for the browser benchmarks: from a touch or click (the `pointerdown`
event, remembered across the page loads a login makes) to the first animation frame in which the
awaited text is on the page and nothing is stale: the frame that paints it.

Timing around Playwright's `click()` and `wait_for()` instead adds its actionability checks
(about 40 ms) and its retry schedule (0, 20, 50, 100, 100, 500, 500 … ms), which rounded every
measurement up to one of those steps, whatever happened on the page."""

from __future__ import annotations

# On every document of the page: the time of each touch, kept in sessionStorage, so that a click
# that sends the browser through a login's redirects is still the start.
HOOK = """document.addEventListener('pointerdown', () => {
  sessionStorage.setItem('__tap', String(Date.now())); }, true);"""
# Checked in every animation frame: which of the texts is on the page (a text of its own, exactly
# or, with `partial`, as part of one), once nothing is stale or loading, and the milliseconds
# since the touch; false until then.
DRAWN = """({texts, partial}) => {
  if (document.readyState !== 'complete' || !document.body ||
      document.querySelector('[data-stale="true"], [data-testid="stStatusWidget"], [data-testid="stSkeleton"]'))
    return false;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    const found = texts.find(t => partial ? text.includes(t) : text === t);
    if (found) return [found, Date.now() - Number(sessionStorage.getItem('__tap'))];
  }
  return false; }"""


def watch(page) -> None:
    """Start the clock on every touch of this page (before its first `goto`)."""
    page.add_init_script(HOOK)


def tap(page, target, texts: list[str], partial: bool = False, timeout: float = 30_000) -> tuple[str, float]:
    """Tap `target`; which of `texts` was drawn, and the seconds from the touch until it was."""
    target.click()
    found, ms = page.wait_for_function(DRAWN, arg={"texts": texts, "partial": partial}, polling="raf",
                                       timeout=timeout).json_value()
    return found, ms / 1000
