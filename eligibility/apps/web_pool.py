"""The web page's 培育库 tab: the pool database read for the page and for programs.

Glue over :class:`eligibility.pool.Pool` and its renderers: the snapshots, what changed between two
of them with the monitor's alerts (:func:`~eligibility.pool.pages.build_changes_page`, the changes
workbook of :func:`~eligibility.pool.words.write_changes`), one firm's history with the chart of its
margins (:func:`~eligibility.pool.pages.build_firm_page`), the year's targets with the ranked
candidates (:func:`~eligibility.pool.pages.build_targets_page`), and the officers' workbook of
:func:`~eligibility.pool.book.write_officers` (whole, one officer's, or the township summary alone).
JSON under ``/api/pool`` (codes and numbers), pages and downloads under ``/pool``.

Read-only: it never adds a snapshot nor sets a target (``eligibility pool …`` does); opening the
database runs its migrations, as every ``pool`` command does. The database (``serve --db``,
``$ELIGIBILITY_DB`` or ``培育库.sqlite``) is opened at the first request that needs it and kept; a
file that is missing is never created, and the tab says how to make one. ``eligibility.pool`` is
imported lazily: the page runs without the extra ``eligibility[pool]`` and the tab says how to
install it. The guard in front of the app (host, origin, token) covers these routes like the others.

Must not: compute a change, a history, a target or a count (the pool does), or word anything itself.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, Response

from eligibility.labels import Lang, text
from eligibility.language.ruleset import RuleSet

if TYPE_CHECKING:
    from eligibility.pool import Pool

__all__ = ["PoolTab", "add_pool_routes"]

T = TypeVar("T")
Download = Callable[[bytes, str, str], Response]
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The changes and targets pages hold no script: framed by the page only, sandboxed, nothing loaded.
_PLAIN_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'; sandbox"
)
# The firm's page is plotly's inline scripts over inlined data, run sandboxed as the report is.
_CHART_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
    "sandbox allow-scripts"
)
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_MAX_CANDIDATES = 50


class PoolRefusal(HTTPException):
    """The tab cannot answer: an HTTP status, a stable code, a message in the page's language."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(status, {"code": code, "message": message, **extra})
        self.code, self.message = code, message


class PoolTab:
    """The pool database behind the tab: ``target`` a SQLite file or a URL (None: none chosen)."""

    def __init__(self, target: str | Path | None, rules: RuleSet, lang: Lang) -> None:
        self.target = None if target is None else str(target)
        self.rules, self.lang = rules, lang
        self._pool: Pool | None = None
        self._lock = threading.Lock()

    @property
    def is_file(self) -> bool:
        return self.target is not None and "://" not in self.target

    @property
    def shown(self) -> str:
        """The database for the page: a file's absolute path, a URL without its password."""
        if self.target is None:
            return ""
        if self.is_file:
            return str(Path(self.target).expanduser().resolve())
        parts = urllib.parse.urlsplit(self.target)
        if parts.password is None:
            return self.target
        host = parts.netloc.rsplit("@", 1)[-1]
        return urllib.parse.urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))

    def _open(self) -> Pool:
        if self.target is None:
            raise PoolRefusal(404, "pool_not_chosen", text("web_pool_not_chosen", self.lang))
        with self._lock:
            if self.is_file and not Path(self.target).expanduser().is_file():
                self._drop()  # removed under a running server: never let SQLite create it anew
                raise PoolRefusal(
                    404, "pool_db_missing", text("web_pool_db_missing", self.lang, path=self.shown)
                )
            if self._pool is None:
                from eligibility.pool import Pool

                self._pool = Pool(self.target, self.rules)
            return self._pool

    def _drop(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def close(self) -> None:
        """Release the database's connections."""
        with self._lock:
            self._drop()

    def run(self, work: Callable[[Pool], T]) -> T:
        """``work`` on the open pool; every problem of the database or the request a
        :class:`PoolRefusal`."""
        lang = self.lang
        try:
            from sqlalchemy.exc import SQLAlchemyError

            from eligibility.pool import (
                FirmLookupError,
                PoolMismatchError,
                PoolUnavailableError,
                UnknownSnapshotError,
            )
        except ImportError:
            raise PoolRefusal(503, "pool_missing", text("pool_missing", lang)) from None
        try:
            return work(self._open())
        except PoolMismatchError as exc:
            code = f"pool_mismatch_{exc.kind}"
            raise PoolRefusal(409, code, text(code, lang, stored=exc.stored, current=exc.current)) from exc
        except PoolUnavailableError as exc:
            message = text("pool_unavailable", lang, url=exc.url, detail=exc.detail)
            raise PoolRefusal(503, "pool_unavailable", message) from exc
        except UnknownSnapshotError as exc:
            if not exc.known:
                raise PoolRefusal(404, "pool_no_snapshots", text("pool_no_snapshots", lang)) from exc
            known = ", ".join(exc.known)
            message = text("pool_unknown_snapshot", lang, snapshot=exc.key, known=known)
            raise PoolRefusal(404, "pool_unknown_snapshot", message, known=exc.known) from exc
        except FirmLookupError as exc:
            if not exc.candidates:
                message = text("pool_firm_not_found", lang, firm=exc.key)
                raise PoolRefusal(404, "pool_firm_not_found", message) from exc
            message = text("pool_firm_ambiguous", lang, count=exc.total, firm=exc.key)
            found = [{"firm_key": k, "name": n} for k, n in exc.candidates]
            raise PoolRefusal(409, "pool_firm_ambiguous", message, candidates=found) from exc
        except SQLAlchemyError as exc:  # the database failed under the request (server gone, disk full)
            with self._lock:
                self._drop()
            detail = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
            message = text("pool_unavailable", lang, url=self.shown, detail=detail)
            raise PoolRefusal(503, "pool_unavailable", message) from exc


def _plain(value: Any) -> Any:
    """A value JSON holds: dates as ISO text, numpy numbers as Python's, NaN and NaT as null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dt.date):  # datetimes and pandas' Timestamps too
        return value.isoformat()
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_plain(r) for r in frame.to_dict("records")]


def _day(value: object) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else None


def _file_part(value: str) -> str:
    return _UNSAFE_NAME.sub("_", value).strip(" .") or "_"


def _snapshots(pool: Pool) -> list[dict[str, Any]]:
    stored = pool.snapshots()
    stored["source"] = stored["source"].map(lambda s: Path(str(s)).name)  # the file, not where it was
    return _records(stored.drop(columns=["rules_hash"]))


def add_pool_routes(app: FastAPI, tab: PoolTab, download: Download) -> None:
    """The tab's routes on ``app``: JSON under ``/api/pool``, pages and downloads under ``/pool``."""
    lang = tab.lang

    def html(page: str, csp: str) -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": csp, "X-Frame-Options": "SAMEORIGIN"})

    def workbook(write: Callable[[Path], object]) -> bytes:
        with tempfile.TemporaryDirectory(prefix="eligibility-") as folder:  # private (0700)
            path = Path(folder) / "out.xlsx"
            write(path)
            return path.read_bytes()

    @app.get("/api/pool", tags=["pool"])
    def pool_summary() -> JSONResponse:
        """The pool behind the page: its database, its snapshots (oldest first) and stored targets;
        ``available`` false with a ``code`` and a ``message`` when there is none to read."""
        try:

            def read(pool: Pool) -> dict[str, Any]:
                return {
                    "available": True,
                    "db": pool.where,
                    "name": pool.identity.get("pool_name"),
                    "snapshots": _snapshots(pool),
                    "targets": _records(pool.targets_set()),
                }

            return JSONResponse(tab.run(read))
        except PoolRefusal as exc:
            body = {"available": False, "db": tab.shown, "code": exc.code, "message": exc.message}
            return JSONResponse(body)

    @app.get("/api/pool/changes", tags=["pool"])
    def pool_changes(since: str | None = None, until: str | None = None) -> JSONResponse:
        """What changed from snapshot ``since`` to ``until`` (dates or labels; by default the latest
        and the one before it), most urgent first, with the count per kind and the monitor's alerts
        raised on the data of those snapshots."""

        def read(pool: Pool) -> dict[str, Any]:
            found = pool.changes(since or None, until or None)
            first, last = found.attrs["since"], found.attrs["until"]
            alerts = pool.alerts(first, last)
            return {
                "since": _day(first),
                "until": _day(last),
                "counts": {str(k): int(v) for k, v in found["kind"].value_counts(sort=False).items()},
                "changes": _records(found),
                "alerts": _records(alerts),
            }

        return JSONResponse(tab.run(read))

    @app.get("/api/pool/firm", tags=["pool"])
    def pool_firm(firm: str) -> JSONResponse:
        """One firm (credit code or name, or a part of one) over the snapshots: per snapshot × tier
        status, mark and score, and its margin to every line (value − threshold). 404 when no firm
        answers, 409 with the candidates when several do."""
        if not firm.strip():
            raise PoolRefusal(400, "firm_empty", text("web_firm_empty", lang))

        def read(pool: Pool) -> dict[str, Any]:
            history = pool.history(firm)
            key = str(history["firm_key"].iloc[0])
            names = [n for n in history["name"] if isinstance(n, str)]
            return {
                "firm_key": key,
                "name": names[-1] if names else None,
                "history": _records(history),
                "margins": _records(pool.key_lines(key)),
            }

        return JSONResponse(tab.run(read))

    @app.get("/api/pool/targets", tags=["pool"])
    def pool_targets(year: int | None = None, limit: int = 5) -> JSONResponse:
        """The year's targets (default: the latest snapshot's year): titles gained, firms that can
        apply now, near misses, the outlook, and per tier the ``limit`` closest candidates."""

        def read(pool: Pool) -> dict[str, Any]:
            found = pool.targets(year)
            chosen = int(found["year"].iloc[0]) if not found.empty else found.attrs["as_of"].year
            shown = max(0, min(limit, _MAX_CANDIDATES))
            return {
                "year": chosen,
                "as_of": _day(found.attrs["as_of"]),
                "baseline": _day(found.attrs["baseline"]),
                "targets": _records(found),
                "candidates": {
                    str(t): _records(pool.candidates(str(t), chosen, shown)) for t in found["tier"]
                },
            }

        return JSONResponse(tab.run(read))

    @app.get("/api/pool/officers", tags=["pool"])
    def pool_officers(at: str | None = None) -> JSONResponse:
        """The service officers of snapshot ``at`` (default: the latest): per officer the firms, the
        titles up for review, the firms at risk, borderline and changed; and the township summary."""
        from eligibility.pool.tasks import officer_counts

        def read(pool: Pool) -> dict[str, Any]:
            officers = pool.officers(at or None)
            counts = officer_counts(officers, list(officers.attrs["tiers"]))
            return {
                "as_of": _day(officers.attrs["as_of"]),
                "since": _day(officers.attrs["since"]),
                "firms": len(officers),
                "officers": _records(counts),
                "townships": _records(pool.townships(at or None)),
            }

        return JSONResponse(tab.run(read))

    @app.get("/pool/changes.html", include_in_schema=False)
    def changes_page(since: str | None = None, until: str | None = None, download: bool = False) -> Response:
        from eligibility.pool.pages import build_changes_page

        def read(pool: Pool) -> tuple[str, str]:
            found = pool.changes(since or None, until or None)
            alerts = pool.alerts(found.attrs["since"], found.attrs["until"])
            return build_changes_page(found, alerts, pool.rules, lang), found.attrs["until"].isoformat()

        page, day = tab.run(read)
        if download:
            name = f"{text('web_pool_file_changes', lang)}-{day}.html"
            return download_page(page, name)
        return html(page, _PLAIN_CSP)

    def download_page(page: str, name: str) -> Response:
        return download(page.encode("utf-8"), name, "text/html; charset=utf-8")

    @app.get("/pool/changes.xlsx", include_in_schema=False)
    def changes_workbook(since: str | None = None, until: str | None = None) -> Response:
        from eligibility.pool.words import write_changes

        def read(pool: Pool) -> tuple[bytes, str]:
            found = pool.changes(since or None, until or None)
            alerts = pool.alerts(found.attrs["since"], found.attrs["until"])
            content = workbook(lambda path: write_changes(found, path, pool.rules, lang, alerts=alerts))
            return content, found.attrs["until"].isoformat()

        content, day = tab.run(read)
        return download(content, f"{text('web_pool_file_changes', lang)}-{day}.xlsx", _XLSX)

    @app.get("/pool/firm.html", include_in_schema=False)
    def firm_page(firm: str, download: bool = False) -> Response:
        from eligibility.pool.pages import build_firm_page

        if not firm.strip():
            raise PoolRefusal(400, "firm_empty", text("web_firm_empty", lang))

        def read(pool: Pool) -> tuple[str, str]:
            history = pool.history(firm)
            key = str(history["firm_key"].iloc[0])
            return build_firm_page(history, pool.key_lines(key), pool.rules, lang), key

        page, key = tab.run(read)
        if download:
            return download_page(page, f"{text('web_pool_file_firm', lang)}-{_file_part(key)}.html")
        return html(page, _CHART_CSP)

    @app.get("/pool/targets.html", include_in_schema=False)
    def targets_page(year: int | None = None, limit: int = 5) -> Response:
        from eligibility.pool.pages import build_targets_page

        def read(pool: Pool) -> str:
            found = pool.targets(year)
            chosen = int(found["year"].iloc[0]) if not found.empty else None
            shown = max(0, min(limit, _MAX_CANDIDATES))
            candidates = {str(t): pool.candidates(str(t), chosen, shown) for t in found["tier"]}
            return build_targets_page(found, candidates, pool.rules, lang)

        return html(tab.run(read), _PLAIN_CSP)

    @app.get("/pool/officers.xlsx", include_in_schema=False)
    def officers_workbook(at: str | None = None, officer: str | None = None) -> Response:
        """The officers' workbook of snapshot ``at``: the township summary, then a sheet per officer;
        with ``officer`` that officer's sheet only (``officer=`` empty: the firms without one)."""
        from eligibility.pool.book import write_officers

        def read(pool: Pool) -> tuple[bytes, str]:
            officers, townships = pool.officers(at or None), pool.townships(at or None)
            chosen = officers
            if officer is not None:
                chosen = officers[officers["officer"].fillna("") == officer.strip()]
                chosen.attrs = dict(officers.attrs)
                if chosen.empty:
                    message = text("web_pool_no_officer", lang, officer=officer)
                    raise PoolRefusal(404, "pool_officer_not_found", message)
            content = workbook(lambda path: write_officers(chosen, townships, path, pool.rules, lang))
            return content, officers.attrs["as_of"].isoformat()

        content, day = tab.run(read)
        stem = text("web_pool_file_officers", lang)
        if officer is not None:
            who = officer.strip() or text("pool_sheet_no_officer", lang)
            stem += "-" + _file_part(who)
        return download(content, f"{stem}-{day}.xlsx", _XLSX)

    @app.get("/pool/townships.xlsx", include_in_schema=False)
    def townships_workbook(at: str | None = None) -> Response:
        """The township summary of snapshot ``at`` alone: the officers' workbook's first sheet."""
        from eligibility.pool.book import write_officers

        def read(pool: Pool) -> tuple[bytes, str]:
            townships = pool.townships(at or None)
            none = pd.DataFrame({"officer": pd.Series([], dtype=object)})  # no officer's sheet
            none.attrs = {"tiers": list(townships.attrs["tiers"])}
            content = workbook(lambda path: write_officers(none, townships, path, pool.rules, lang))
            return content, townships.attrs["as_of"].isoformat()

        content, day = tab.run(read)
        return download(content, f"{text('web_pool_file_townships', lang)}-{day}.xlsx", _XLSX)
