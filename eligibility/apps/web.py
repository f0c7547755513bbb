"""The local web page and JSON API: the whole screening for people who do not use a terminal.

A thin layer over the public API (``read_input``, ``evaluate``, ``write_workbook``, ``build_report``,
``assess_one``). An upload is written to a private temporary folder only for as long as it is read,
then removed; results live in memory for a limited time and are never written next to the app.
Output file names are generated, never taken from the upload. FastAPI and uvicorn are the optional
extra ``eligibility[web]``. The 培育库 tab (the pool database read, never written) is
:mod:`eligibility.apps.web_pool`, behind the same guard.

Safe to leave running: every upload is measured before it is read (:mod:`eligibility.input.bounds`,
the page's :data:`WEB_LIMITS`); :class:`~eligibility.apps.guard.Guard` checks the host, the origin,
the access token and the body's size; at most ``workers`` screenings run at once, at most ``queue``
wait (the page shows their place; a full queue is a 503 with ``Retry-After``), running and waiting
runs are never dropped, and finished results are kept within a memory budget, oldest out first.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Collection
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from eligibility.apps.guard import COOKIE, LOOPBACK, TOKEN_HEADER, Guard
from eligibility.apps.web_pool import PoolTab, add_pool_routes
from eligibility.assessment import Assessment, assess_one, evaluate
from eligibility.errors import AsOfRangeError, InputError, IssueCode, RegimeError
from eligibility.findings import build_findings
from eligibility.input.bounds import Limits
from eligibility.input.read import read_input
from eligibility.labels import Lang, issue_message, text
from eligibility.language.load import load_rules
from eligibility.language.ruleset import RuleSet, parse_as_of
from eligibility.render.explain import find_firms
from eligibility.render.html import build_report, firm_card
from eligibility.render.tables import Tables
from eligibility.render.template import write_template
from eligibility.render.terminal import format_issues
from eligibility.render.workbook import write_workbook

__all__ = ["KEEP_BYTES", "MAX_BYTES", "MAX_ROWS", "QUEUE", "WEB_LIMITS", "create_app", "reachable_hosts"]

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
WEB_LIMITS = Limits(unpacked_bytes=300_000_000, rows=MAX_ROWS, cells=6_000_000)
"""What an upload may unpack to: 300 MB (shared strings counted per cell), 100,000 rows, 6 million
cells (100,000 rows × 60 columns)."""
QUEUE = 8  # runs that may wait for a free worker
KEEP_BYTES = 400_000_000  # finished results kept in memory, oldest out first
SUFFIXES = (".xlsx", ".xls", ".xlsm", ".csv", ".parquet")
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "pool.xlsx"
_KEEP_SECONDS = 30 * 60
_PER_FIRM = 10_000  # bytes an assessment and its tables hold per firm (measured 9.6 KB), beyond outputs
_RETRY_AFTER = 30
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LIMIT_CODES = frozenset({IssueCode.TOO_LARGE, IssueCode.TOO_MANY_ROWS, IssueCode.TOO_MANY_CELLS})
_PAGE_CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# The report is plotly's inline scripts over inlined data; it runs sandboxed (an opaque origin that
# reaches no cookie, no network, no form, no top window), so its scripts may be what plotly needs.
_REPORT_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
    "sandbox allow-scripts"
)
_LOG = logging.getLogger(__name__)


class ScreenError(Exception):
    """A problem the page shows in words (Chinese first) instead of a stack trace."""


class BusyError(Exception):
    """Every worker is busy and the queue is full."""


@dataclass
class Job:
    """One screening run: its stage, then its results, in memory only."""

    id: str
    created: float = field(default_factory=time.monotonic)
    stage: str = "queued"
    progress: int = 0
    error: str | None = None
    error_kind: str | None = None  # "input" (the user's file or choices) or "internal" (a bug)
    error_code: str | None = None  # the input issue's code (too_many_rows, no_header, …), if one
    summary: dict[str, Any] | None = None
    report: str | None = None
    workbook: bytes | None = None
    assessment: Assessment | None = None
    tables: Tables | None = None  # the lists the workbook and the report were built from
    finished: float | None = None
    size: int = 0  # the bytes its results hold, counted against the budget


class AssessRequest(BaseModel):
    """One firm's inputs (field ids, or headers as a spreadsheet writes them) and the assessment date."""

    firm: dict[str, Any] = Field(
        description="字段编号或表头 → 取值，如 {'revenue_y1': 3000} 或 {'2025年营业收入（万元）': 3000}；"
        "无法识别的键作为 unknown_field 提示返回在 issues 中 / field id or spreadsheet header → value; "
        "an unknown key is returned as an unknown_field issue"
    )
    as_of: dt.date
    purpose: str = Field("apply", pattern="^(apply|review)$")
    regime: str | None = None


def _sample_path() -> Path:
    if SAMPLE.exists():
        return SAMPLE
    raise ScreenError("示例数据不在本安装中（samples/pool.xlsx）")


def reachable_hosts(host: str, extra: Collection[str] = ()) -> set[str]:
    """The names a browser may put in ``Host`` for a server bound to ``host``: loopback's, the bound
    address, and for a server shared on the network this computer's name and addresses; plus
    ``extra`` (``serve --allowed-host``)."""
    names = set(LOOPBACK) | {h.lower() for h in extra}
    if host not in ("0.0.0.0", "::", ""):
        names.add(host.lower())
    if host in LOOPBACK:
        return names
    hostname = socket.gethostname()
    names |= {hostname.lower(), socket.getfqdn().lower()}
    with contextlib.suppress(OSError):
        names |= {str(info[4][0]).lower() for info in socket.getaddrinfo(hostname, None)}
    try:  # the address other computers reach (no packet is sent: UDP connect only picks a route)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            names.add(str(probe.getsockname()[0]))
    except OSError:
        pass
    return names


class _Service:
    def __init__(
        self,
        rules: RuleSet,
        *,
        max_bytes: int,
        max_rows: int,
        lang: Lang,
        limits: Limits,
        workers: int,
        queue: int,
        keep_bytes: int,
    ) -> None:
        self.rules, self.max_bytes, self.max_rows, self.lang = rules, max_bytes, max_rows, lang
        self.limits, self.queue, self.keep_bytes = limits, queue, keep_bytes
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eligibility-screen")
        self.jobs: dict[str, Job] = {}
        self.waiting: list[str] = []  # runs not started yet, in order
        self.expired: OrderedDict[str, None] = OrderedDict()  # ids dropped, to say so (bounded)
        self.lock = threading.Lock()

    # -- inputs -------------------------------------------------------------------------------

    def check_upload(self, name: str, content: bytes, size: int | None = None) -> str:
        """The upload's suffix if it can be a pool workbook; else a readable error."""
        suffix = Path(name or "").suffix.lower()
        if not content:
            raise ScreenError(text("web_empty", self.lang))
        real = max(size or 0, len(content))
        if real > self.max_bytes:
            raise ScreenError(
                text("web_too_large", self.lang, size=f"{real / 1e6:.1f}", limit=self.max_bytes // 1_000_000)
            )
        if suffix not in SUFFIXES:
            raise ScreenError(text("web_bad_type", self.lang, suffix=suffix or "（无扩展名）"))
        if suffix in (".xlsx", ".xlsm") and not content.startswith(b"PK"):
            raise ScreenError(text("web_not_xlsx", self.lang))
        return suffix

    def screen(
        self, job: Job, content: bytes | None, suffix: str, as_of: str, purpose: str, regime: str | None
    ) -> None:
        """Read, evaluate, write the workbook and the report; every failure becomes ``job.error``."""
        try:
            day = parse_as_of(as_of)
            job.stage, job.progress = "reading", 15
            if content is None:
                table = read_input(_sample_path(), self.rules, as_of=day, limits=self.limits)
            else:
                with tempfile.TemporaryDirectory(prefix="eligibility-") as folder:  # private (0700)
                    path = Path(folder) / f"upload{suffix}"
                    path.write_bytes(content)
                    table = read_input(path, self.rules, as_of=day, limits=self.limits)
            if len(table.frame) > self.max_rows:
                raise ScreenError(
                    text("web_too_many_rows", self.lang, rows=len(table.frame), limit=self.max_rows)
                )
            job.stage, job.progress = "evaluating", 40
            assessment = evaluate(
                table,
                self.rules,
                as_of=day,
                purpose="review" if purpose == "review" else "apply",
                regime=regime or None,
            )
            job.stage, job.progress = "workbook", 60
            tables = Tables(build_findings(assessment), self.lang)  # the findings, once for both outputs
            with tempfile.TemporaryDirectory(prefix="eligibility-") as folder:
                job.workbook = write_workbook(
                    assessment, Path(folder) / "out.xlsx", self.lang, tables
                ).read_bytes()
            job.stage, job.progress = "report", 80
            job.report = build_report(assessment, self.lang, tables=tables)
            job.tables = tables
            job.summary = assessment.summary()
            job.assessment = assessment
            job.stage, job.progress = "done", 100
        except ScreenError as exc:
            job.error = str(exc)
        except AsOfRangeError as exc:
            job.error = text("as_of_out_of_range", self.lang, **vars(exc))
            job.error_code = "as_of_out_of_range"
        except InputError as exc:
            first = exc.issues[0] if exc.issues else None
            job.error_code = None if first is None else str(first.code)
            if first is not None and first.code in _LIMIT_CODES:  # too much to read on the page
                job.error = issue_message(first, self.lang) + text("web_use_cli", self.lang)
            else:
                lines = [
                    text("input_failed", self.lang, count=len(exc.issues)),
                    *format_issues(exc.issues, self.lang, 5),
                ]
                job.error = "\n".join(lines)
        except RegimeError as exc:
            job.error = text("regime_error", self.lang, detail=exc)
        except Exception as exc:
            if job.stage in ("queued", "reading"):  # a damaged file can fail the reader anywhere
                job.error = text("web_failed", self.lang, detail=type(exc).__name__)
            else:  # the table was read: whatever fails now is a bug of ours, never the user's file
                _LOG.exception("screening failed at stage %s", job.stage)
                job.error = text("web_internal", self.lang, detail=type(exc).__name__)
                job.error_kind = "internal"
        finally:
            if job.error is not None:
                job.stage = "failed"
                job.error_kind = job.error_kind or "input"

    # -- the queue and the results ---------------------------------------------------------------

    def submit(
        self,
        content: bytes | None,
        suffix: str,
        as_of: str,
        purpose: str,
        regime: str | None,
        *,
        keep: bool = True,
    ) -> tuple[Job, Future[None]]:
        """Queue a run (``keep``: its results stay for the page to fetch).

        Raises:
            BusyError: when ``queue`` runs are already waiting for a worker.
        """
        with self.lock:
            self._forget()
            if len(self.waiting) >= self.queue:
                raise BusyError
            job = Job(secrets.token_hex(8))
            if keep:
                self.jobs[job.id] = job
            self.waiting.append(job.id)
            future = self.pool.submit(self._run, job, content, suffix, as_of, purpose, regime)
        return job, future

    def _run(
        self, job: Job, content: bytes | None, suffix: str, as_of: str, purpose: str, regime: str | None
    ) -> None:
        with self.lock:
            self.waiting.remove(job.id)
        try:
            self.screen(job, content, suffix, as_of, purpose, regime)
        finally:
            with self.lock:
                job.finished = time.monotonic()
                job.size = _footprint(job)
                self._forget()

    def position(self, job: Job) -> int:
        """1 for the next run to start, 0 once it runs."""
        with self.lock:
            return self.waiting.index(job.id) + 1 if job.id in self.waiting else 0

    def _forget(self) -> None:
        """Drop finished results older than 30 minutes, then the oldest while they hold more than
        the budget (the newest stays, whatever its size); runs waiting or running are never
        dropped. Called with the lock held."""
        now = time.monotonic()
        done = sorted(
            (j for j in self.jobs.values() if j.finished is not None), key=lambda j: j.finished or 0
        )
        held = sum(j.size for j in done)
        for k, job in enumerate(done):
            newest = k == len(done) - 1  # kept whatever its size, until it is old or another is done
            if now - job.created <= _KEEP_SECONDS and (held <= self.keep_bytes or newest):
                continue
            held -= job.size
            del self.jobs[job.id]
            self.expired[job.id] = None
        while len(self.expired) > 10_000:
            self.expired.popitem(last=False)

    def job(self, job_id: str) -> Job:
        found = self.jobs.get(job_id)
        if found is None:
            if job_id in self.expired:
                raise HTTPException(410, text("web_expired", self.lang))
            raise HTTPException(404, text("web_no_job", self.lang))
        return found


def _footprint(job: Job) -> int:
    """About how much memory a finished run's results hold."""
    firms = job.assessment.n if job.assessment is not None else 0
    report = sys.getsizeof(job.report) if job.report is not None else 0
    return report + len(job.workbook or b"") + firms * _PER_FIRM


def _download(content: bytes, name: str, media: str) -> Response:
    quoted = urllib.parse.quote(name)
    ascii_name = f"result{Path(name).suffix}"  # for clients that do not read RFC 5987 names
    headers = {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"}
    return Response(content, media_type=media, headers=headers)


def _busy(lang: Lang) -> JSONResponse:
    return JSONResponse(
        {"error": text("web_busy", lang, seconds=_RETRY_AFTER)},
        status_code=503,
        headers={"Retry-After": str(_RETRY_AFTER)},
    )


def create_app(
    rules: RuleSet | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    max_rows: int = MAX_ROWS,
    lang: Lang = "zh",
    host: str = "127.0.0.1",
    allowed_hosts: Collection[str] = (),
    token: str | None = None,
    workers: int | None = None,
    queue: int = QUEUE,
    keep_bytes: int = KEEP_BYTES,
    limits: Limits | None = None,
    pool_db: str | Path | None = None,
) -> FastAPI:
    """The web app: the page at ``/``, downloads, and the JSON API under ``/api`` (OpenAPI at /docs).

    Args:
        host: the address the server is bound to. Beyond loopback the app asks for ``token`` (one
            is generated when none is given: ``app.state.token``).
        allowed_hosts: more names the ``Host`` header may carry (see :func:`reachable_hosts`).
        workers: screenings run at once (default: the number of cores).
        queue: screenings that may wait; one more is answered 503.
        keep_bytes: memory finished results may hold, oldest dropped first.
        limits: what an upload may unpack to (default :data:`WEB_LIMITS`, ``max_rows`` rows).
        pool_db: the pool database the 培育库 tab reads (a SQLite file or a URL; ``serve --db``); the
            tab says how to make one when it is None or the file does not exist.
    """
    shared = host not in LOOPBACK
    if shared and token is None:
        token = secrets.token_urlsafe(16)
    bounds = limits or Limits(WEB_LIMITS.unpacked_bytes, max_rows, WEB_LIMITS.cells)
    service = _Service(
        rules or load_rules(),
        max_bytes=max_bytes,
        max_rows=max_rows,
        lang=lang,
        limits=bounds,
        workers=workers or os.cpu_count() or 2,
        queue=queue,
        keep_bytes=keep_bytes,
    )
    app = FastAPI(
        title="eligibility — 优质中小企业梯度培育筛查",
        description="Screen an SME pool against the ladder of titles; assess one firm. "
        f"Beyond this computer every request needs the header {TOKEN_HEADER}: <token>.",
    )
    app.state.token = token
    app.state.service = service
    app.add_middleware(
        Guard,
        hosts=reachable_hosts(host, allowed_hosts),
        token=token,
        max_body=max_bytes + 1024 * 1024,  # the file plus the form's other fields and boundaries
        lang=lang,
    )
    env = Environment(
        loader=PackageLoader("eligibility.render", "templates"), autoescape=select_autoescape(["j2"])
    )
    regimes = sorted({r.ruleset.regime for r in service.rules.rulesets.values()})

    def render_page(login: bool, failed: bool = False) -> HTMLResponse:
        nonce = secrets.token_urlsafe(16)
        html = env.get_template("web.html.j2").render(
            t=lambda key, **kw: text(key, lang, **kw),
            today=dt.date.today().isoformat(),
            regimes=regimes,
            max_mb=max_bytes // 1_000_000,
            max_rows=max_rows,
            sample=SAMPLE.exists(),
            login=login,
            login_failed=failed,
            nonce=nonce,
        )
        headers = {"Content-Security-Policy": _PAGE_CSP.format(nonce=nonce), "Cache-Control": "no-store"}
        return HTMLResponse(html, status_code=401 if failed else 200, headers=headers)

    pools = PoolTab(pool_db, service.rules, lang)
    app.state.pool_tab = pools
    add_pool_routes(app, pools, _download)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page(request: Request) -> HTMLResponse:
        return render_page(login=not request.state.authorized)

    @app.post("/login", include_in_schema=False)
    def login(given: Annotated[str, Form(alias="token")] = "") -> Response:
        if token is None:
            return RedirectResponse("/", status_code=303)
        if not secrets.compare_digest(given.strip().encode(), token.encode()):
            return render_page(login=True, failed=True)
        answer = RedirectResponse("/", status_code=303)
        answer.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return answer

    async def upload(file: UploadFile | None) -> tuple[bytes, str]:
        if file is None or not file.filename:
            raise ScreenError(text("web_no_file", lang))
        content = await file.read(max_bytes + 1)
        return content, service.check_upload(file.filename, content, file.size)

    def date_refusal(as_of: str, malformed: int) -> JSONResponse | None:
        """A date outside the years assessed is 422; a text that is no date ``malformed``."""
        try:
            parse_as_of(as_of)
        except AsOfRangeError as exc:
            error = text("as_of_out_of_range", lang, **vars(exc))
            return JSONResponse({"error": error, "kind": "input"}, status_code=422)
        except RegimeError:  # the only check here is the date: say so in the officer's words
            error = text("bad_as_of", lang, value=as_of)
            return JSONResponse({"error": error, "kind": "input"}, status_code=malformed)
        return None

    @app.post("/jobs", include_in_schema=False)
    async def start(
        as_of: Annotated[str, Form()],
        purpose: Annotated[str, Form()] = "apply",
        regime: Annotated[str, Form()] = "",
        use_sample: Annotated[bool, Form()] = False,
        file: Annotated[UploadFile | None, File()] = None,
    ) -> JSONResponse:
        content: bytes | None = None
        suffix = ".xlsx"
        try:
            if not use_sample:
                content, suffix = await upload(file)
        except ScreenError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        refusal = date_refusal(as_of, 400)
        if refusal is not None:
            return refusal
        try:
            job, _ = service.submit(content, suffix, as_of, purpose, regime or None)
        except BusyError:
            return _busy(lang)
        return JSONResponse({"id": job.id, "position": service.position(job)})

    @app.get("/jobs/{job_id}", include_in_schema=False)
    def status(job_id: str) -> dict[str, Any]:
        job = service.job(job_id)
        position = service.position(job)
        words = (
            text("web_queue_position", lang, ahead=position - 1)
            if position
            else text(f"web_stage_{job.stage}", lang)
        )
        return {
            "stage": job.stage,
            "stage_words": words,
            "position": position,
            "progress": job.progress,
            "error": job.error,
            "error_kind": job.error_kind,
            "error_code": job.error_code,
            "summary": job.summary,
        }

    @app.get("/jobs/{job_id}/report", response_class=HTMLResponse, include_in_schema=False)
    def report(job_id: str, download: bool = False) -> Response:
        job = service.job(job_id)
        if job.report is None:
            raise HTTPException(409, text("web_not_ready", lang))
        if download:
            return _download(
                job.report.encode("utf-8"), _name("报告", job, ".html"), "text/html; charset=utf-8"
            )
        headers = {"Content-Security-Policy": _REPORT_CSP, "X-Frame-Options": "SAMEORIGIN"}
        return HTMLResponse(job.report, headers=headers)

    @app.get("/jobs/{job_id}/workbook", include_in_schema=False)
    def workbook(job_id: str) -> Response:
        job = service.job(job_id)
        if job.workbook is None:
            raise HTTPException(409, text("web_not_ready", lang))
        return _download(job.workbook, _name("筛查结果", job, ".xlsx"), _XLSX)

    @app.get("/jobs/{job_id}/explain", include_in_schema=False)
    def explanation(job_id: str, firm: str) -> dict[str, Any]:
        job = service.job(job_id)
        if job.assessment is None or job.tables is None:
            raise HTTPException(409, text("web_not_ready", lang))
        if not firm.strip():
            raise HTTPException(400, text("web_firm_empty", lang))
        positions = find_firms(job.assessment, firm.strip())
        if not positions:
            raise HTTPException(404, text("web_firm_not_found", lang, firm=firm))
        if len(positions) > 1:  # ambiguous: say which firms, explain none
            names = job.assessment.prepared.text.get("name")
            codes = job.assessment.prepared.text.get("credit_code")
            listed = [
                {
                    "code": None if codes is None else codes[p],
                    "name": None if names is None else names[p],
                    "row": int(job.assessment.prepared.rows[p]),
                }
                for p in positions[:20]
            ]
            raise HTTPException(
                409,
                {
                    "message": text("explain_ambiguous", lang, firm=firm, count=len(positions)),
                    "candidates": listed,
                },
            )
        return {"html": firm_card(job.tables.a, job.tables, lang, positions[0])}

    @app.get("/template", include_in_schema=False)
    def template() -> Response:
        with tempfile.TemporaryDirectory(prefix="eligibility-") as folder:
            content = write_template(service.rules, Path(folder) / "t.xlsx", lang).read_bytes()
        return _download(content, "企业数据模板.xlsx", _XLSX)

    @app.post("/api/screen", tags=["api"])
    async def api_screen(
        as_of: Annotated[str, Form(description="评估日期 YYYY-MM-DD")],
        file: Annotated[UploadFile, File(description="培育库表格（.xlsx/.xls/.csv/.parquet）")],
        purpose: Annotated[str, Form()] = "apply",
        regime: Annotated[str | None, Form()] = None,
    ) -> JSONResponse:
        """Screen an uploaded pool: counts, then one result per firm (the wide output table).

        Runs in the same queue as the page: 503 with ``Retry-After`` when it is full."""
        try:
            content, suffix = await upload(file)
        except ScreenError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        refusal = date_refusal(as_of, 422)
        if refusal is not None:
            return refusal
        try:
            job, future = service.submit(content, suffix, as_of, purpose, regime, keep=False)
        except BusyError:
            return _busy(lang)
        await asyncio.wrap_future(future)
        if job.error is not None or job.assessment is None:
            internal = job.error_kind == "internal"
            return JSONResponse(
                {"error": job.error, "kind": job.error_kind, "code": job.error_code},
                status_code=500 if internal else 422,
            )
        try:
            records = await run_in_threadpool(_records, job.assessment)
            return JSONResponse({"summary": job.summary, "firms": records})
        except Exception as exc:  # a bug of ours, after the table was read
            _LOG.exception("the API answer failed")
            detail = type(exc).__name__
            return JSONResponse(
                {"error": text("web_internal", lang, detail=detail), "kind": "internal"}, status_code=500
            )

    @app.post("/api/assess", tags=["api"])
    def api_assess(request: AssessRequest) -> JSONResponse:
        """Assess one firm: statuses, scores, borderline marks, failed criteria and gaps per tier."""
        try:
            record = assess_one(
                request.firm,
                service.rules,
                as_of=request.as_of,
                purpose="review" if request.purpose == "review" else "apply",
                regime=request.regime,
            )
        except AsOfRangeError as exc:
            return JSONResponse({"error": text("as_of_out_of_range", lang, **vars(exc))}, status_code=422)
        except RegimeError as exc:
            return JSONResponse({"error": text("regime_error", lang, detail=exc)}, status_code=422)
        except InputError as exc:
            return JSONResponse({"error": "\n".join(format_issues(exc.issues, lang, 5))}, status_code=422)
        return JSONResponse(record)

    return app


def _records(assessment: Assessment) -> list[dict[str, Any]]:
    wide = assessment.wide()
    records = wide.astype(object).where(wide.notna(), None).to_dict("records")
    return [{str(k): v for k, v in record.items()} for record in records]


def _name(stem: str, job: Job, suffix: str) -> str:
    """A generated download name: what it is, the assessment date, and the run — never the upload's
    name."""
    day = job.assessment.as_of if job.assessment is not None else dt.date.today()
    return f"{stem}-{day.isoformat()}-{job.id[:6]}{suffix}"
