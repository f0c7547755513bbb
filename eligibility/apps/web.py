"""The local web page and JSON API: the whole screening for people who do not use a terminal.

A thin layer over the public API (``read_input``, ``evaluate``, ``write_workbook``, ``build_report``,
``assess_one``). An upload is written to a private temporary folder only for as long as it is read,
then removed; results live in memory for a limited time and are never written next to the app.
Output file names are generated, never taken from the upload. FastAPI and uvicorn are the optional
extra ``eligibility[web]``.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, HTTPException, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, Field

from eligibility.assessment import Assessment, assess_one, evaluate
from eligibility.errors import InputError, RegimeError
from eligibility.findings import build_findings
from eligibility.input.read import read_input
from eligibility.labels import Lang, text
from eligibility.language.load import load_rules
from eligibility.language.ruleset import RuleSet, parse_as_of
from eligibility.render.explain import find_firms
from eligibility.render.html import build_report, firm_card
from eligibility.render.tables import Tables
from eligibility.render.template import write_template
from eligibility.render.terminal import format_issues
from eligibility.render.workbook import write_workbook

__all__ = ["create_app"]

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
SUFFIXES = (".xlsx", ".xls", ".xlsm", ".csv", ".parquet")
SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "pool.xlsx"
_KEEP_SECONDS = 30 * 60
_KEEP_JOBS = 8
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LOG = logging.getLogger(__name__)


class ScreenError(Exception):
    """A problem the page shows in words (Chinese first) instead of a stack trace."""


@dataclass
class Job:
    """One screening run: its stage, then its results, in memory only."""

    id: str
    created: float = field(default_factory=time.monotonic)
    stage: str = "queued"
    progress: int = 0
    error: str | None = None
    error_kind: str | None = None  # "input" (the user's file or choices) or "internal" (a bug)
    summary: dict[str, Any] | None = None
    report: str | None = None
    workbook: bytes | None = None
    assessment: Assessment | None = None
    tables: Tables | None = None  # the lists the workbook and the report were built from


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


class _Service:
    def __init__(self, rules: RuleSet, max_bytes: int, max_rows: int, lang: Lang) -> None:
        self.rules, self.max_bytes, self.max_rows, self.lang = rules, max_bytes, max_rows, lang
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    # -- inputs -------------------------------------------------------------------------------

    def check_upload(self, name: str, content: bytes) -> str:
        """The upload's suffix if it can be a pool workbook; else a readable error."""
        suffix = Path(name or "").suffix.lower()
        if not content:
            raise ScreenError(text("web_empty", self.lang))
        if len(content) > self.max_bytes:
            raise ScreenError(
                text(
                    "web_too_large",
                    self.lang,
                    size=f"{len(content) / 1e6:.1f}",
                    limit=self.max_bytes // 1_000_000,
                )
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
                table = read_input(_sample_path(), self.rules, as_of=day)
            else:
                with tempfile.TemporaryDirectory(prefix="eligibility-") as folder:  # private (0700)
                    path = Path(folder) / f"upload{suffix}"
                    path.write_bytes(content)
                    table = read_input(path, self.rules, as_of=day)
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
        except InputError as exc:
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

    # -- jobs ---------------------------------------------------------------------------------

    def new_job(self) -> Job:
        with self.lock:
            now = time.monotonic()
            for key in [k for k, j in self.jobs.items() if now - j.created > _KEEP_SECONDS]:
                del self.jobs[key]
            while len(self.jobs) >= _KEEP_JOBS:
                del self.jobs[min(self.jobs, key=lambda k: self.jobs[k].created)]
            job = Job(secrets.token_hex(8))
            self.jobs[job.id] = job
            return job

    def job(self, job_id: str) -> Job:
        found = self.jobs.get(job_id)
        if found is None:
            raise HTTPException(404, text("web_no_job", self.lang))
        return found


def _download(content: bytes, name: str, media: str) -> Response:
    quoted = urllib.parse.quote(name)
    ascii_name = f"result{Path(name).suffix}"  # for clients that do not read RFC 5987 names
    headers = {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"}
    return Response(content, media_type=media, headers=headers)


def create_app(
    rules: RuleSet | None = None, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS, lang: Lang = "zh"
) -> FastAPI:
    """The web app: the page at ``/``, downloads, and the JSON API under ``/api`` (OpenAPI at /docs)."""
    service = _Service(rules or load_rules(), max_bytes, max_rows, lang)
    app = FastAPI(
        title="eligibility — 优质中小企业梯度培育筛查",
        description="Screen an SME pool against the ladder of titles; assess one firm.",
    )
    env = Environment(
        loader=PackageLoader("eligibility.render", "templates"), autoescape=select_autoescape(["j2"])
    )
    regimes = sorted({r.ruleset.regime for r in service.rules.rulesets.values()})

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page() -> str:
        return env.get_template("web.html.j2").render(
            t=lambda key, **kw: text(key, lang, **kw),
            today=dt.date.today().isoformat(),
            regimes=regimes,
            max_mb=max_bytes // 1_000_000,
            max_rows=max_rows,
            sample=SAMPLE.exists(),
        )

    @app.post("/jobs", include_in_schema=False)
    def start(
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
                if file is None or not file.filename:
                    raise ScreenError(text("web_no_file", lang))
                content = file.file.read(max_bytes + 1)
                suffix = service.check_upload(file.filename, content)
            parse_as_of(as_of)
        except ScreenError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        except RegimeError:  # the only check here is the date: say so in the officer's words
            return JSONResponse({"error": text("bad_as_of", lang, value=as_of)}, status_code=400)
        job = service.new_job()
        threading.Thread(
            target=service.screen, args=(job, content, suffix, as_of, purpose, regime or None), daemon=True
        ).start()
        return JSONResponse({"id": job.id})

    @app.get("/jobs/{job_id}", include_in_schema=False)
    def status(job_id: str) -> dict[str, Any]:
        job = service.job(job_id)
        return {
            "stage": job.stage,
            "stage_words": text(f"web_stage_{job.stage}", lang),
            "progress": job.progress,
            "error": job.error,
            "error_kind": job.error_kind,
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
        return HTMLResponse(job.report)

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
    def api_screen(
        as_of: Annotated[str, Form(description="评估日期 YYYY-MM-DD")],
        file: Annotated[UploadFile, File(description="培育库表格（.xlsx/.xls/.csv/.parquet）")],
        purpose: Annotated[str, Form()] = "apply",
        regime: Annotated[str | None, Form()] = None,
    ) -> JSONResponse:
        """Screen an uploaded pool: counts, then one result per firm (the wide output table)."""
        content = file.file.read(max_bytes + 1)
        try:
            suffix = service.check_upload(file.filename or "", content)
        except ScreenError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        job = Job("api")
        service.screen(job, content, suffix, as_of, purpose, regime)
        if job.error is not None or job.assessment is None:
            internal = job.error_kind == "internal"
            return JSONResponse(
                {"error": job.error, "kind": job.error_kind}, status_code=500 if internal else 422
            )
        try:
            wide = job.assessment.wide()
            records = wide.astype(object).where(wide.notna(), None).to_dict("records")
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
        except RegimeError as exc:
            return JSONResponse({"error": text("regime_error", lang, detail=exc)}, status_code=422)
        except InputError as exc:
            return JSONResponse({"error": "\n".join(format_issues(exc.issues, lang, 5))}, status_code=422)
        return JSONResponse(record)

    return app


def _name(stem: str, job: Job, suffix: str) -> str:
    """A generated download name: what it is, the assessment date, and the run — never the upload's
    name."""
    day = job.assessment.as_of if job.assessment is not None else dt.date.today()
    return f"{stem}-{day.isoformat()}-{job.id[:6]}{suffix}"
