"""Write the bundled pool as three quarterly sheets: ``python samples/make_quarters.py``.

The 300 firms of ``pool.xlsx`` (same generator, same seed, the same dirty cells) as a county office
would send them each quarter of 2026 — ``pool_2026q2.xlsx`` (as of 2026-06-30), ``pool_2026q3.xlsx``
(2026-09-30) and ``pool_2026q4.xlsx`` (2026-12-31) — with a 乡镇（街道） and a 服务专员 column, and
what a year brings between them (README, "培育库"):

- 15 firms enter (10 in Q3, 5 in Q4) and 5 leave (4 after Q2, 1 after Q3);
- 4 firms without a title are awarded 创新型 in August, 2 titled 创新型 firms 专精特新 in November;
- 3 firms eligible for 专精特新 correct their 2025 R&D expense to 2.9% of revenue in Q3 (under the 3%
  line) and to 3.1% in Q4;
- one firm is renamed in Q4 (有限公司 → 股份有限公司).

Titles held in the sheets also expire between quarters, as they do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from make_samples import chinese, dirty, write_flat  # this folder: python samples/make_quarters.py

from eligibility import evaluate, load_rules
from eligibility.synthetic import synthetic_pool

HERE = Path(__file__).resolve().parent
QUARTERS = {"2026q2": "2026-06-30", "2026q3": "2026-09-30", "2026q4": "2026-12-31"}
TOWNSHIPS = ["金村镇", "巴公镇", "北义城镇", "南村镇", "大东沟镇"]
OFFICERS = ["李明", "王芳", "张伟", "赵丽"]
ENTER_Q3, ENTER_Q4 = range(285, 295), range(295, 300)
LEAVE_Q3, LEAVE_Q4 = [5, 6, 7, 8], [9]
RENAMED = 10


def _picks(pool: pd.DataFrame) -> tuple[list[int], list[int], list[int]]:
    """Firms chosen by their results in Q2: untitled firms eligible for 科技和创新型 (awarded 创新型),
    创新型 firms eligible for 专精特新 or waiting only for its judged items (awarded it), and other such
    firms that 2.9% R&D makes ineligible (their ratio is corrected across the 3% line)."""
    rules = load_rules()
    day = QUARTERS["2026q2"]
    wide = evaluate(pool, rules, as_of=day).wide()
    clean = ~wide["flag.data_issue"].to_numpy(dtype=bool)
    usable = clean & ~pool.index.isin([*LEAVE_Q3, *LEAVE_Q4, RENAMED])
    lasting = (pool["tier_expires_on"].astype(str) >= "2027-06-30").to_numpy()  # held all year
    untitled = (pool["current_tier"] == "").to_numpy()
    innovative = (pool["current_tier"] == "创新型").to_numpy()
    srdi_ok = wide["srdi_sme.status"].isin(["eligible", "review"]).to_numpy()
    bottom_ok = (wide["tech_innovative_sme.status"] == "eligible").to_numpy()
    awarded = [int(i) for i in np.flatnonzero(usable & untitled & bottom_ok)[:4]]
    promoted = [int(i) for i in np.flatnonzero(usable & innovative & lasting & srdi_ok)[:2]]
    trial = pool.copy()
    trial["rd_expense_y1"] = pd.to_numeric(trial["revenue_y1"], errors="coerce") * 0.029
    after = evaluate(trial, rules, as_of=day).wide()["srdi_sme.status"].to_numpy()
    crossing = usable & lasting & srdi_ok & (after == "ineligible")
    crossing[promoted] = False
    return awarded, promoted, [int(i) for i in np.flatnonzero(crossing)[:3]]


def quarters() -> dict[str, pd.DataFrame]:
    """The three quarterly sheets, canonical field ids."""
    pool = dirty(synthetic_pool(300))
    pool.insert(3, "township", [TOWNSHIPS[i % len(TOWNSHIPS)] for i in range(len(pool))])
    pool.insert(4, "officer", [OFFICERS[(i // 3) % len(OFFICERS)] for i in range(len(pool))])
    awarded, promoted, crossing = _picks(pool.drop(index=[*ENTER_Q3, *ENTER_Q4]))
    q2 = pool.drop(index=[*ENTER_Q3, *ENTER_Q4])
    q3 = pool.drop(index=[*ENTER_Q4, *LEAVE_Q3]).copy()
    for i in awarded:
        q3.loc[i, ["current_tier", "tier_expires_on"]] = ["创新型", "2029-08-19"]
    for i in crossing:
        q3.loc[i, "rd_expense_y1"] = round(float(pool.loc[i, "revenue_y1"]) * 0.029, 1)
    q4 = pool.drop(index=[*LEAVE_Q3, *LEAVE_Q4]).copy()
    q4.loc[awarded] = q3.loc[awarded]
    for i in promoted:
        q4.loc[i, ["current_tier", "tier_expires_on"]] = ["专精特新", "2029-11-14"]
    for i in crossing:
        q4.loc[i, "rd_expense_y1"] = round(float(pool.loc[i, "revenue_y1"]) * 0.031, 1)
    q4.loc[RENAMED, "name"] = str(pool.loc[RENAMED, "name"]).replace("有限公司", "股份有限公司")
    return {"2026q2": q2, "2026q3": q3, "2026q4": q4}


def main() -> None:
    for key, frame in quarters().items():
        table, columns = chinese(frame.reset_index(drop=True))
        write_flat(table, columns, HERE / f"pool_{key}.xlsx")
        print(f"wrote pool_{key}.xlsx ({len(frame)} firms, as of {QUARTERS[key]})")


if __name__ == "__main__":
    main()
