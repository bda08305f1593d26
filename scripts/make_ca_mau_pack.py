"""Generate the Cà Mau province pack (src/phananh/provinces/ca-mau/) once, from the old demo catalogue.

Kept for the record: the areas come from the `vietnamadminunits` package (MIT, post-2025 `admin_units` table), so
run time never needs that package for reference data. Run from the repository root with the `vietnamadminunits`
package installed and a catalogue that still reads it (git history before the pack):
    .venv/bin/python scripts/make_ca_mau_pack.py
Afterwards the pack is the source of truth; edit its YAML files directly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

OUT = Path(__file__).resolve().parents[1] / "src" / "phananh" / "provinces" / "ca-mau"


def _dump(name: str, header: str, data) -> None:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=None)
    (OUT / name).write_text(f"# {header}\n{text}", encoding="utf-8")


def main() -> None:
    from vietnamadminunits.database import get_data

    from phananh.demo.catalog import slugify
    from phananh.open311.attributes import DEMO_ATTRIBUTES

    OUT.mkdir(parents=True, exist_ok=True)
    rows = get_data(["provinceCode", "ward", "wardType", "wardCode", "wardLat", "wardLon"], table="admin_units")
    areas = sorted(
        ({"code": slugify(r["ward"]), "name": r["ward"], "kind": slugify(r["wardType"]),
          "lat": round(float(r["wardLat"]), 6), "lon": round(float(r["wardLon"]), 6), "admin_code": r["wardCode"]}
         for r in rows if r["provinceCode"] == "96"),
        key=lambda a: a["admin_code"])
    if len(areas) != 64:
        sys.exit(f"expected 64 units of Cà Mau, got {len(areas)}")
    _dump("areas.yaml", "The 64 commune-level units of Tỉnh Cà Mau after the 2025 merger with Bạc Liêu "
          "(vietnamadminunits, admin_units; centroids).", {"areas": areas})
    from phananh.demo import catalog  # the old catalogue: categories, agencies, routing

    _dump("categories.yaml", "Categories: the seed's list merged with QĐ 17/2022/QĐ-UBND, plus traffic.", {
        "categories": [
            {"code": c.code, "name_vi": c.name_vi, "name_en": c.name_en, "hint_vi": c.hint_vi, "hint_en": c.hint_en,
             "group": c.group, "keywords": list(c.keywords), "sensitive": c.sensitive,
             "out_of_scope": c.out_of_scope, **({"attributes": DEMO_ATTRIBUTES[c.code]}
                                                if c.code in DEMO_ATTRIBUTES else {})}
            for c in catalog.CATEGORIES]})
    _dump("agencies.yaml", "Agencies (parents before children); phone numbers and e-mail addresses are fictitious.", {
        "agencies": [{k: v for k, v in {"code": a.code, "name": a.name, "kind": a.kind, "parent": a.parent,
                                        "area": a.area, "phone": a.phone, "email": a.email}.items() if v is not None}
                     for a in catalog.AGENCIES]})


if __name__ == "__main__":
    main()
