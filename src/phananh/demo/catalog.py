"""Cà Mau demo catalogue: categories, areas, agencies and routing rules, read from the Cà Mau province pack.

The pack (``src/phananh/provinces/ca-mau/``, YAML, validated by ``phananh.provinces.schema``) is the source of
truth and what ``phananh province load`` / ``seed_reference`` write to the database; this module only exposes it
as plain Python values for the demo's sample reports and the catalogue tests. No database, no web.

* **Areas**: the 64 commune-level units of Cà Mau after the 2025 merger with Bạc Liêu, with official codes and
  centroids (generated once from ``vietnamadminunits`` by ``scripts/make_ca_mau_pack.py``).
* **Agencies**: the provincial bodies after the 2025 reorganisation, plus one people's committee (UBND) per unit.
* **Categories**: the seed's list merged with Cà Mau's QĐ 17/2022/QĐ-UBND, plus traffic. Merged duplicates:

  - "an ninh – trật tự" (seed) = "an ninh trật tự" (QĐ 17) → ``an-ninh-trat-tu``;
  - "y tế – sức khỏe" (both lists) → ``y-te``;
  - "góp ý cho chính quyền" (seed) + "góp ý – hiến kế" (QĐ 17) → ``gop-y``,
    "Góp ý – hiến kế cho chính quyền": both mean a citizen's idea for the government, not a
    problem on the ground, and both go to the same office.

  Kept apart on purpose: "thời tiết" and "thiên tai" (the seed lists both: a weather warning is
  not yet a disaster), "an ninh – trật tự" and "vi phạm pháp luật" (QĐ 17 lists both: public order
  incidents vs. an ongoing violation such as illegal fishing or encroachment).
* **Routing rules** (category × area → agency): the pack's ``routing.yaml``, expanded.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

from phananh.provinces import PACKS_DIR
from phananh.provinces.schema import Area as PackArea
from phananh.provinces.schema import read_pack
from phananh.provinces.schema import slug as _slug

__all__ = [
    "Agency",
    "Area",
    "Category",
    "AGENCIES",
    "AGENCY_BY_CODE",
    "AREAS",
    "AREA_BY_CODE",
    "CATEGORIES",
    "CATEGORY_BY_CODE",
    "CATEGORY_GROUPS",
    "DEMO_EMAIL_DOMAIN",
    "PACK",
    "PROVINCE_ADMIN_CODE",
    "PROVINCE_NAME",
    "ROOT_AGENCY",
    "ROUTING_RULES",
    "area_by_name",
    "commune_agency_code",
    "load_areas",
    "route",
    "slugify",
]

PACK = read_pack(PACKS_DIR / "ca-mau")

# --------------------------------------------------------------------------- helpers


def slugify(text: str) -> str:
    """ASCII slug of a Vietnamese name: "Xã Đất Mũi" → "xa-dat-mui" (phananh.provinces.schema.slug)."""
    return _slug(text)


# --------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class Category:
    code: str  # short ASCII slug
    name_vi: str
    name_en: str
    hint_vi: str  # one line: what belongs there
    hint_en: str
    group: str  # key of CATEGORY_GROUPS; Open311 `group`
    keywords: tuple[str, ...]  # words a citizen would use; for suggestion and search
    out_of_scope: bool = False  # True: shown to guide the citizen, reports are rejected
    sensitive: bool = False  # True: the public position is snapped to the commune (reports/visibility.py)


# Open311 `group` codes → (Vietnamese name, English name).
CATEGORY_GROUPS: dict[str, tuple[str, str]] = {code: (n.vi, n.en) for code, n in PACK.province.groups.items()}

CATEGORIES: list[Category] = [
    Category(code=c.code, name_vi=c.name_vi, name_en=c.name_en, hint_vi=c.hint_vi, hint_en=c.hint_en, group=c.group,
             keywords=tuple(c.keywords), out_of_scope=c.out_of_scope, sensitive=c.sensitive)
    for c in PACK.categories
]
CATEGORY_BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}


# --------------------------------------------------------------------------- areas

PROVINCE_ADMIN_CODE = PACK.province.admin_code  # official code of Tỉnh Cà Mau (post-2025)
PROVINCE_NAME = PACK.province.name


@dataclass(frozen=True)
class Area:
    code: str  # ASCII slug, e.g. "xa-dat-mui"
    name: str  # "Xã Đất Mũi"
    kind: str  # "phuong" | "xa" | "dac-khu"
    lat: float  # centroid
    lon: float
    admin_code: str  # official 5-digit unit code, e.g. "32248"


def _demo_area(a: PackArea) -> Area:
    # A pack may leave these out; the demo places its samples around each centroid and orders by code.
    if a.lat is None or a.lon is None or a.admin_code is None:
        raise ValueError(f"demo province pack: area {a.code!r} needs lat, lon and admin_code")
    return Area(code=a.code, name=a.name, kind=a.kind, lat=a.lat, lon=a.lon, admin_code=a.admin_code)


@cache
def load_areas() -> tuple[Area, ...]:
    """The pack's commune-level units, in official-code order."""
    return tuple(sorted((_demo_area(a) for a in PACK.areas), key=lambda a: a.admin_code))


AREAS: list[Area] = list(load_areas())
AREA_BY_CODE: dict[str, Area] = {a.code: a for a in AREAS}
_AREA_BY_NAME: dict[str, Area] = {a.name.casefold(): a for a in AREAS}


def area_by_name(name: str) -> Area:
    """The area named exactly ``name`` ("Xã Đất Mũi", case-insensitive); KeyError if none."""
    key = unicodedata.normalize("NFC", name).casefold()
    try:
        return _AREA_BY_NAME[key]
    except KeyError:
        raise KeyError(
            f"no commune-level unit named {name!r} in {PROVINCE_NAME} "
            f"(province pack); known: {', '.join(a.name for a in AREAS)}"
        ) from None


# --------------------------------------------------------------------------- agencies

ROOT_AGENCY = next(a.code for a in PACK.agencies if a.parent is None)
DEMO_EMAIL_DOMAIN = "camau.demo.invalid"  # .invalid never delivers: demo mail cannot reach anyone


@dataclass(frozen=True)
class Agency:
    code: str  # ASCII slug, e.g. "so-y-te", "ubnd-xa-dat-mui"
    name: str  # Vietnamese, e.g. "Sở Y tế"
    kind: str  # "province" | "department" | "police" | "military" | "commune"
    parent: str | None  # parent agency code; None only for the root
    area: str | None  # area code, for commune committees
    phone: str  # demo phone number
    email: str  # demo e-mail address


def commune_agency_code(area_code: str) -> str:
    """Code of the people's committee of an area: "xa-dat-mui" → "ubnd-xa-dat-mui"."""
    return f"ubnd-{area_code}"


AGENCIES: list[Agency] = [
    Agency(code=a.code, name=a.name, kind=a.kind, parent=a.parent, area=a.area, phone=a.phone or "",
           email=a.email or "")
    for a in PACK.agencies
]
AGENCY_BY_CODE: dict[str, Agency] = {a.code: a for a in AGENCIES}


# --------------------------------------------------------------------------- routing

ROUTING_RULES: list[tuple[str, str | None, str]] = PACK.rules()

_RULE_INDEX: dict[tuple[str, str | None], str] = {(c, a): ag for c, a, ag in ROUTING_RULES}


def route(category: str, area: str | None = None) -> str | None:
    """The suggested agency for a category in an area: the area's rule, else the province-wide one."""
    if area is not None and (category, area) in _RULE_INDEX:
        return _RULE_INDEX[(category, area)]
    return _RULE_INDEX.get((category, None))
