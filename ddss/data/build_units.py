"""Rebuild the administrative-unit CSVs in this folder from the `vietnamadminunits` wheel.

Run by hand, never imported at run time (ddss reads only the CSVs, so it needs neither the
package nor the network):

    .venv/bin/pip download --no-deps -d /tmp/units_pkgs vietnamadminunits==1.0.4
    .venv/bin/python ddss/data/build_units.py /tmp/units_pkgs/vietnamadminunits-1.0.4-py3-none-any.whl

Only the wheel's data files are read (`data/dataset.db`, `data/converter_2025.json`); the
package's code, and its online geocoder for split communes, are not used. Where an old
commune was split, every new commune it went to gets a row (the package's "default" pick is
a heuristic, so the resolver flags these for a steward instead). Counts are checked against
DOMAIN.md before anything is written: 34 provinces, 3,321 communes (2,621 xã, 687 phường,
13 đặc khu), 63 pre-2025 provinces.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent
_DB = "vietnamadminunits/data/dataset.db"
_CONVERTER = "vietnamadminunits/data/converter_2025.json"
# DOMAIN.md "Administrative units": the 2025 reform's totals.
_EXPECTED_TYPES = {"xã": 2621, "phường": 687, "đặc khu": 13}
_TYPE_OF_NAME = re.compile(r"^(Xã|Phường|Đặc khu) ")


def _write(name: str, header: list[str], rows: list[tuple], order: list[str] | None = None) -> None:
    """Write rows sorted by the `order` columns (default: all), so rebuilds are byte-identical."""
    positions = [header.index(c) for c in order or header]
    with (OUT / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(sorted(rows, key=lambda row: tuple(str(row[i]) for i in positions)))


def build(wheel: Path) -> None:
    """Extract, check and write provinces/communes/old_units/cccd_provinces CSVs."""
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        db_path = Path(archive.extract(_DB, tmp))
        converter = json.loads(archive.read(_CONVERTER))
        con = sqlite3.connect(db_path)
        new = con.execute(
            "SELECT provinceCode, province, provinceShort, wardCode, ward, wardType,"
            " provinceKey, wardKey FROM admin_units"
        ).fetchall()
        legacy = con.execute(
            "SELECT provinceCode, province, districtCode, district, wardCode, ward,"
            " provinceKey, districtKey, wardKey FROM admin_units_legacy"
        ).fetchall()
        con.close()

    provinces = sorted({(r[0], r[1], r[2]) for r in new})
    # The type is read from the name ("Phường Việt Hòa"): the package's wardType disagrees for
    # 4 units (Việt Hòa, Vĩnh Hòa, Tân Lộc, Phong Điền), and vietnam-provinces agrees with the names.
    communes = [(r[3], r[4], _TYPE_OF_NAME.match(r[4]).group(1).lower(), r[0]) for r in new]
    fixed = sum(c[2] != r[5].lower() for c, r in zip(communes, new, strict=True))
    assert fixed == 4, fixed
    types = Counter(c[2] for c in communes)
    assert len(provinces) == 34, len(provinces)
    assert len(communes) == len({c[0] for c in communes}) == 3321, len(communes)
    assert dict(types) == _EXPECTED_TYPES, types

    new_code = {(r[6], r[7]): (r[3], r[0]) for r in new}
    province_code_by_key = {r[6]: r[0] for r in new}
    # old "province_district_ward" key -> new (commune_code, province_code) targets
    targets: dict[str, list[tuple[str, str]]] = {}
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, old_keys in wards.items():
            for old_key in old_keys:
                targets.setdefault(old_key, []).append(new_code[(province_key, ward_key)])
    for province_key, old_wards in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old_key, options in old_wards.items():
            for option in options:
                targets.setdefault(old_key, []).append(new_code[(province_key, option["newWardKey"])])

    old_rows = []
    for prov_code, prov, dist_code, dist, ward_code, ward, pkey, dkey, wkey in legacy:
        found = targets.get(f"{pkey}_{dkey}_{wkey or ''}")
        assert found, (pkey, dkey, wkey)
        for commune_code, province_code in sorted(set(found)):
            old_rows.append(
                (prov, dist, ward or "", commune_code, province_code, prov_code, dist_code, ward_code or "")
            )

    old_provinces = {(r[0], r[1], r[6]) for r in legacy}
    new_province_of_old = {
        old_key: province_code_by_key[new_key]
        for new_key, old_keys in converter["DICT_PROVINCE"].items()
        for old_key in old_keys
    }
    # DOMAIN.md "CCCD": PPP is the pre-2025 two-digit GSO province code with a leading 0.
    cccd = [("0" + code, name, new_province_of_old[key]) for code, name, key in old_provinces]
    assert len(cccd) == 63, len(cccd)

    _write("provinces.csv", ["province_code", "province_name", "short_name"], provinces)
    _write("communes.csv", ["commune_code", "commune_name", "commune_type", "province_code"], communes)
    _write(
        "old_units.csv",
        [
            "old_province_name",
            "old_district_name",
            "old_commune_name",
            "new_commune_code",
            "new_province_code",
            "old_province_code",
            "old_district_code",
            "old_commune_code",
        ],
        old_rows,
        order=["old_province_code", "old_district_code", "old_commune_code", "new_commune_code"],
    )
    _write("cccd_provinces.csv", ["cccd_code", "old_province_name", "new_province_code"], cccd)
    print(
        f"provinces={len(provinces)} communes={len(communes)} {dict(types)} "
        f"old_units={len(old_rows)} ({len(legacy)} old units) cccd_provinces={len(cccd)}"
    )


if __name__ == "__main__":
    build(Path(sys.argv[1]))
