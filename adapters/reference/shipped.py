"""The code lists shipped with the platform: one CSV per list in ``data/``, each row naming its source
(see ``data/README.md``). A file's digest tells a new shipped version from one already loaded."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).parent / "data"


def shipped_names() -> list[str]:
    return sorted(path.stem for path in DATA.glob("*.csv"))


def shipped(list_name: str) -> tuple[list[dict[str, str]], str]:
    """The rows of one shipped list and the digest of its file; no rows when the platform ships none."""
    path = DATA / f"{list_name}.csv"
    if not path.is_file():
        return [], ""
    data = path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    return rows, hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class Provenance:
    """Where a shipped list comes from and whether it holds every official code (data/README.md says why)."""

    source: str
    complete: bool


# A list that is not complete cannot tell a real code from a wrong one: what it lacks is a warning until an
# administrator imports the official list (#18). Lists not named here ship nothing and are incomplete.
PROVENANCE = {
    "currencies": Provenance("TP; WYZ (JGS-20 old numeric codes)", True),
    "countries": Provenance("CU 2022 (customs statistics); ZWY; TP", True),
    "country_aliases": Provenance("derived from countries.csv", True),
    "units": Provenance("HXT; HXT2; LYQ; TP", True),
    "customs_districts": Provenance("TP 2016; A365 (about 50 of 1,006 districts missing)", False),
    "transport_modes": Provenance("HXT; TP; ZWY", True),
    "trade_modes": Provenance("HXT; CESP; CITI; S22 (codes since about 2020 missing)", False),
    "declaring_units": Provenance("DEMO (the demo enterprise only)", False),
    "id_types": Provenance("WJ; WJX (the official CEB XSDs)", True),
    "hs_codes": Provenance("YCM 2018 codes; CU 2023 names and units", False),
    "positive_list": Provenance("DEMO (not the official list)", False),
}


def provenance(list_name: str) -> Provenance:
    return PROVENANCE.get(list_name, Provenance("", False))
