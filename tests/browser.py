"""Headless Chromium for the browser tests: Debian's ``chromium`` (``make browser`` installs it),
driven by Playwright with the network closed. Screenshots go to ``out/test-screenshots``."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Dialog, Page, sync_playwright

SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[1] / "out" / "test-screenshots")
)
_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The Chromium to drive: ``$CHROMIUM`` or Debian's /usr/bin/chromium."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        raise RuntimeError("Chromium not found: run `make browser` (installs Debian's chromium)")
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Visit:
    """A page opened with the network cut off, recording console errors and attempted requests."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@contextmanager
def offline_page(
    browser: Browser, width: int = 1400, height: int = 1000, allow: tuple[str, ...] = ()
) -> Iterator[Visit]:
    """A page that may load files (and the ``allow``ed local addresses) and nothing else."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, offline=not allow, accept_downloads=True
    )
    page = context.new_page()
    visit = Visit(page)
    page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.errors.append(str(e)))

    def dismiss(dialog: Dialog) -> None:
        visit.errors.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", dismiss)

    def route(r: object) -> None:
        request = r.request  # type: ignore[attr-defined]
        if request.url.startswith(("file:", "data:", "blob:", *allow)):
            r.continue_()  # type: ignore[attr-defined]
        else:
            visit.requests.append(request.url)
            r.abort()  # type: ignore[attr-defined]

    context.route("**/*", route)
    try:
        yield visit
    finally:
        context.close()
