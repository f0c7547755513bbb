"""Write the bundled samples from the fixed-seed generator: ``python samples/make_samples.py``.

``pool.csv``: 300 fictional firms of a county pool (casting, coal machinery, new materials) with
canonical field ids, and a handful of deliberately dirty cells so that input issues show.
"""

from __future__ import annotations

from pathlib import Path

from eligibility.synthetic import synthetic_pool

HERE = Path(__file__).resolve().parent


def main() -> None:
    pool = synthetic_pool(300).astype(object)
    # Deliberately dirty cells: the engine must report them and still evaluate the rest.
    pool.loc[17, "revenue_y1"] = "约5000"
    pool.loc[42, "rd_expense_y1"] = -35
    pool.loc[88, "current_tier"] = "省级小巨人培育"
    pool.loc[123, "credit_code"] = pool.loc[122, "credit_code"]
    pool.loc[200, "name"] = '=HYPERLINK("http://example.invalid")有限公司'
    pool.loc[250, "rd_institution"] = ""
    pool.to_csv(HERE / "pool.csv", index=False, lineterminator="\n")
    print(f"wrote {HERE / 'pool.csv'} ({len(pool)} firms)")


if __name__ == "__main__":
    main()
