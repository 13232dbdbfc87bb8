"""Rebuild adapters/reference/data/hs_codes.csv from the project's research folder (#18).

Every 10-digit code of ``../shared/ceb/codes/hs10_codes_2018.csv`` (YCM, 2018: codes only) is shipped; its names
and its two units are those of the 8-digit line of ``hs8_2023_stats.csv`` (CU, customs statistics 2023) that the
code's first 8 digits name, when that line still exists. Nothing else is added: no 10-digit names (no source gives
them) and no rates (none is invented). Run it again when either source file changes:

    .venv/bin/python scripts/build_hs_codes.py [--codes ../shared/ceb/codes]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "ceb" / "codes"
TARGET = ROOT / "adapters" / "reference" / "data" / "hs_codes.csv"
COLUMNS = ("code", "name_zh", "name_en", "unit1", "unit2", "duty_rate", "vat_rate", "consumption_rate",
           "valid_from", "valid_to", "source", "note")


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def row_of(code: str, line: dict[str, str] | None) -> dict[str, str]:
    """One shipped row: the names and units of its 8-digit line, or the code alone with a note saying why."""
    row = dict.fromkeys(COLUMNS, "") | {"code": code}
    if line is None:
        return row | {"source": "YCM", "note": f"the 8-digit line {code[:8]} is not in the 2023 statistics table "
                                               "(CU): no name or unit is known; the code may have been retired"}
    return row | {"name_zh": line["name_zh"], "name_en": line["name_en"],
                  "unit1": line["unit1_customs_code_by_name"], "unit2": line["unit2_customs_code_by_name"],
                  "source": "YCM;CU", "note": f"name and units of the 8-digit line {code[:8]}"}


def build(sources: Path) -> list[dict[str, str]]:
    lines = {row["code"]: row for row in read(sources / "hs8_2023_stats.csv")}
    codes = sorted({row["code"].strip() for row in read(sources / "hs10_codes_2018.csv")})
    return [row_of(code, lines.get(code[:8])) for code in codes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=Path, default=SOURCES, help="the folder of the shared code lists")
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    rows = build(args.codes)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    named = sum(1 for row in rows if row["name_zh"])
    print(f"{args.out}: {len(rows)} codes, {named} with the name of their 8-digit line, {len(rows) - named} without")


if __name__ == "__main__":
    main()
