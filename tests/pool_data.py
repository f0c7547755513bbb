"""Three quarterly sheets of one county pool, built by hand, with what changes between them.

Six firms (credit codes ``valid_code(1..6)``), as of 2026-06-30, 2026-09-30 and 2026-12-31 (2号 in
force; 上年度 is 2025 in all three):

- ``RD``: holds 创新型; its 2025 R&D expense is corrected from 160 to 116 万元 (of 4,000 万元 revenue:
  4% → 2.9%, under the 3% line of 专精特新 but within its 0.5-point margin) and then to 124 (3.1%):
  专精特新 eligible → ineligible (临界未过, ``rd_ratio_min_y1``) → eligible.
- ``TITLED``: awarded 创新型 on 2026-08-15 (expires 2029-08-14): the title is gained in Q3.
- ``LEAVING``: in Q2 only — left the pool in Q3.
- ``ENTERING``: from Q3 on.
- ``RENAMED``: 陵川精密铸件有限公司 becomes 陵川精密铸件股份有限公司 in Q4.
- ``ISSUE``: a market share typed as 150% in Q3 (``out_of_range``, an error), corrected in Q4.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from tests.conftest import base_firm, valid_code

QUARTERS = ("2026-06-30", "2026-09-30", "2026-12-31")
RD, TITLED, LEAVING, ENTERING, RENAMED, ISSUE = (valid_code(i) for i in range(1, 7))


def _firm(code: str, name: str, **changes: Any) -> dict[str, Any]:
    firm = base_firm() | {
        "credit_code": code,
        "name": name,
        "revenue_y1": 4000,
        "main_revenue_y1": 3600,
        "revenue_y2": 3600,
        "rd_expense_y1": 160,
        "rd_expense_y2": 130,
        "quality_score_y1": 60,
        "market_leading": "是",
        "market_share": 0.05,
        "township": "金村镇",
        "officer": "李明",
    }
    return firm | changes


def quarter(k: int) -> pd.DataFrame:
    """The sheet of quarter ``k`` (0: Q2, 1: Q3, 2: Q4) with canonical field ids."""
    titled = {"current_tier": "创新型中小企业", "tier_expires_on": "2028-12-31"}
    rd = (160, 116, 124)[k]
    firms = [
        _firm(RD, "晋泽铸造有限公司", rd_expense_y1=rd, **titled),
        _firm(
            TITLED,
            "泽州新材料有限公司",
            officer="王芳",
            **(
                {}
                if k == 0
                else {
                    "current_tier": "创新型中小企业",
                    "tier_awarded_on": "2026-08-15",
                    "tier_expires_on": "2029-08-14",
                }
            ),
        ),
        _firm(RENAMED, "陵川精密铸件有限公司" if k < 2 else "陵川精密铸件股份有限公司", township="崇文镇"),
        _firm(ISSUE, "阳城耐磨材料有限公司", market_share="150%" if k == 1 else 0.05, township="崇文镇"),
    ]
    if k == 0:
        firms.append(_firm(LEAVING, "高平液压支架有限公司", officer="王芳"))
    else:
        firms.append(_firm(ENTERING, "沁水特种合金有限公司", township="崇文镇"))
    return pd.DataFrame(firms)


class PrivateCluster:
    """A PostgreSQL cluster of the test run's own: ``initdb`` into a temporary folder, the server on a
    Unix socket in that folder (no TCP port), stopped and removed at the end. Debian's server
    programs (``/usr/lib/postgresql/<version>/bin``) are used; as root they run as the ``postgres``
    user, since ``initdb`` refuses root."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
        if not found:
            raise RuntimeError(
                "PostgreSQL is not installed: `make test` installs Debian's postgresql "
                "(apt-get install postgresql); the pool's PostgreSQL tests need its server programs"
            )
        self.bin = found[-1].parent
        self.root = Path(tempfile.mkdtemp(prefix="elpg-"))  # short: a socket path has ~100 bytes
        self.data = self.root / "data"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            "initdb", "-D", str(self.data), "-U", "eligibility", "--auth=trust", "-E", "UTF8", "--no-sync"
        )
        options = f"-k {self.root} -c listen_addresses='' -F"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "start")
        self.databases = 0

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stdout}{done.stderr}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://eligibility@/{database}?host={self.root}"

    def new_database(self) -> str:
        """The URL of a new, empty database of the cluster."""
        import psycopg

        self.databases += 1
        name = f"pool_{self.databases}"
        with psycopg.connect(
            host=str(self.root), user="eligibility", dbname="postgres", autocommit=True
        ) as c:
            c.execute(f"CREATE DATABASE {name}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
