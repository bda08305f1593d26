"""Cà Mau demo catalogue: categories, areas, agencies and routing rules.

Pure data: no database, no web. ``phananh.demo.seed`` loads these lists into the database.

* **Areas** (the 64 commune-level units of Cà Mau after the 2025 merger with Bạc Liêu) are not
  typed by hand: they are read at import time from the ``vietnamadminunits`` package (MIT), whose
  ``admin_units`` table holds the 34-province (post-2025) units with their official codes and
  centroids (``vietnamadminunits.database.get_data``).
* **Agencies** are the provincial bodies after the 2025 reorganisation, plus one people's committee
  (UBND) per commune-level unit, generated from the areas.
* **Categories** are the union of the seed's list and Cà Mau's QĐ 17/2022/QĐ-UBND, plus traffic.
  Merged duplicates:

  - "an ninh – trật tự" (seed) = "an ninh trật tự" (QĐ 17) → ``an-ninh-trat-tu``;
  - "y tế – sức khỏe" (both lists) → ``y-te``;
  - "góp ý cho chính quyền" (seed) + "góp ý – hiến kế" (QĐ 17) → ``gop-y``,
    "Góp ý – hiến kế cho chính quyền": both mean a citizen's idea for the government, not a
    problem on the ground, and both go to the same office.

  Kept apart on purpose: "thời tiết" and "thiên tai" (the seed lists both: a weather warning is
  not yet a disaster), "an ninh – trật tự" and "vi phạm pháp luật" (QĐ 17 lists both: public order
  incidents vs. an ongoing violation such as illegal fishing or encroachment).
* **Routing rules** (category × area → agency) are built by :func:`build_routing_rules`.

Nothing here is specific to the code that uses it: another province is another copy of this file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from vietnamadminunits.database import get_data

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
    "PROVINCE_ADMIN_CODE",
    "PROVINCE_NAME",
    "ROOT_AGENCY",
    "ROUTING_RULES",
    "area_by_name",
    "build_routing_rules",
    "commune_agency_code",
    "load_areas",
    "route",
    "slugify",
]


# --------------------------------------------------------------------------- helpers


def slugify(text: str) -> str:
    """ASCII slug of a Vietnamese name: "Xã Đất Mũi" → "xa-dat-mui".

    Diacritics are stripped (NFD decomposition, combining marks dropped), đ/Đ become d,
    everything that is not a letter or digit becomes a single hyphen.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


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
CATEGORY_GROUPS: dict[str, tuple[str, str]] = {
    "an-toan": ("An toàn – an ninh", "Safety and security"),
    "do-thi": ("Hạ tầng – đô thị – môi trường", "Infrastructure and environment"),
    "xa-hoi": ("Y tế – giáo dục", "Health and education"),
    "khac": ("Góp ý và lĩnh vực khác", "Suggestions and other"),
}

CATEGORIES: list[Category] = [
    # --- the seed's own list (with QĐ 17's duplicates merged in) ---
    Category(
        code="dich-benh",
        name_vi="Dịch bệnh",
        name_en="Epidemics",
        hint_vi="Ca bệnh, ổ dịch truyền nhiễm ở người: sốt xuất huyết, tay chân miệng, sởi, cúm…",
        hint_en="Infectious disease cases and outbreaks: dengue, hand-foot-and-mouth, measles, flu…",
        group="an-toan",
        keywords=("dịch", "ổ dịch", "sốt xuất huyết", "tay chân miệng", "sởi", "cúm",
                  "muỗi", "lăng quăng", "dengue", "outbreak"),
        sensitive=True,
    ),
    Category(
        code="thoi-tiet",
        name_vi="Thời tiết",
        name_en="Weather",
        hint_vi="Mưa lớn, giông lốc, triều cường, nắng nóng, xâm nhập mặn bất thường ảnh hưởng người dân.",
        hint_en="Heavy rain, thunderstorms and whirlwinds, king tides, heat waves, unusual salinity.",
        group="an-toan",
        keywords=("mưa", "giông", "lốc", "triều cường", "nắng nóng", "hạn", "xâm nhập mặn",
                  "storm", "heat"),
    ),
    Category(
        code="thien-tai",
        name_vi="Thiên tai",
        name_en="Natural disasters",
        hint_vi="Sạt lở bờ sông, bờ biển, sụt lún, ngập lụt, cây ngã đổ, nhà sập, tốc mái do thiên tai.",
        hint_en="River bank and coastal erosion, subsidence, floods, fallen trees, storm-damaged houses.",
        group="an-toan",
        keywords=("sạt lở", "sụt lún", "lũ", "ngập", "bão", "tốc mái", "cây ngã", "đê",
                  "landslide", "flood", "erosion"),
    ),
    Category(
        code="an-ninh-trat-tu",
        name_vi="An ninh – trật tự",
        name_en="Security and public order",
        hint_vi="Trộm cắp, gây rối, đánh nhau, tụ tập đua xe, tệ nạn xã hội, mất trật tự nơi công cộng.",
        hint_en="Theft, disturbances, fights, street racing, social evils, disorder in public places.",
        group="an-toan",
        keywords=("trộm", "cướp", "đánh nhau", "gây rối", "đua xe", "ma túy", "cờ bạc",
                  "ồn ào", "karaoke", "theft"),
        sensitive=True,
    ),
    Category(
        code="y-te",
        name_vi="Y tế – sức khỏe",
        name_en="Health care",
        hint_vi="Khám chữa bệnh, thái độ phục vụ ở cơ sở y tế, an toàn thực phẩm, ngộ độc, thuốc.",
        hint_en="Medical care and hospital service, food safety, food poisoning, medicines.",
        group="xa-hoi",
        keywords=("bệnh viện", "trạm y tế", "khám bệnh", "ngộ độc", "thực phẩm", "thuốc",
                  "bác sĩ", "hospital", "food poisoning"),
        sensitive=True,
    ),
    Category(
        code="gop-y",
        name_vi="Góp ý – hiến kế cho chính quyền",
        name_en="Suggestions to the government",
        hint_vi="Ý kiến, sáng kiến, đề xuất giúp chính quyền phục vụ người dân, doanh nghiệp tốt hơn.",
        hint_en="Ideas and proposals to help the government serve citizens and businesses better.",
        group="khac",
        keywords=("góp ý", "hiến kế", "đề xuất", "kiến nghị", "sáng kiến", "suggestion"),
    ),
    # --- QĐ 17/2022/QĐ-UBND's list (the fields not already above) ---
    Category(
        code="ha-tang-do-thi",
        name_vi="Hạ tầng đô thị",
        name_en="Urban infrastructure",
        hint_vi="Vỉa hè, công trình công cộng, cây xanh đô thị hư hỏng; lấn chiếm vỉa hè, lòng đường.",
        hint_en="Damaged sidewalks, public works and street trees; encroachment on sidewalks and streets.",
        group="do-thi",
        keywords=("vỉa hè", "lấn chiếm", "cây xanh", "công viên", "nắp cống", "xây dựng",
                  "sidewalk"),
    ),
    Category(
        code="ve-sinh-moi-truong",
        name_vi="Vệ sinh môi trường",
        name_en="Sanitation and environment",
        hint_vi="Rác thải, nước thải, mùi hôi, ô nhiễm kênh rạch, thu gom rác không đúng lịch.",
        hint_en="Garbage, waste water, bad smells, polluted canals, missed garbage collection.",
        group="do-thi",
        keywords=("rác", "nước thải", "hôi", "ô nhiễm", "kênh", "xác động vật", "khói",
                  "garbage", "trash", "pollution"),
    ),
    Category(
        code="giao-duc",
        name_vi="Giáo dục – đào tạo",
        name_en="Education and training",
        hint_vi="Trường lớp xuống cấp, an toàn trường học, thu chi sai quy định, đưa đón học sinh.",
        hint_en="Run-down schools, school safety, improper fees, school transport.",
        group="xa-hoi",
        keywords=("trường", "học sinh", "lớp học", "giáo viên", "học phí", "dạy thêm",
                  "school"),
    ),
    Category(
        code="dien-chieu-sang",
        name_vi="Điện – chiếu sáng",
        name_en="Electricity and street lighting",
        hint_vi="Mất điện, dây điện võng thấp, trụ điện nghiêng, đèn đường không sáng.",
        hint_en="Power cuts, sagging power lines, leaning poles, street lights out.",
        group="do-thi",
        keywords=("mất điện", "cúp điện", "dây điện", "trụ điện", "đèn đường", "chiếu sáng",
                  "power", "street light"),
    ),
    Category(
        code="cap-thoat-nuoc",
        name_vi="Cấp thoát nước",
        name_en="Water supply and drainage",
        hint_vi="Mất nước, nước máy đục, vỡ ống nước, cống nghẹt, ngập do thoát nước kém.",
        hint_en="No tap water, dirty water, burst pipes, blocked drains, flooding from poor drainage.",
        group="do-thi",
        keywords=("nước sạch", "nước máy", "mất nước", "vỡ ống", "cống", "thoát nước",
                  "ngập", "water"),
    ),
    Category(
        code="vi-pham-phap-luat",
        name_vi="Vi phạm pháp luật",
        name_en="Law violations",
        hint_vi="Vi phạm đang diễn ra: khai thác thủy sản trái phép, lấn chiếm đất công, buôn lậu.",
        hint_en="Ongoing violations: illegal fishing, encroachment on public land, smuggling.",
        group="an-toan",
        keywords=("trái phép", "xung điện", "lưới kéo", "lấn chiếm", "buôn lậu", "khai thác cát",
                  "gian lận", "illegal"),
        sensitive=True,
    ),
    Category(
        code="khac",
        name_vi="Lĩnh vực khác",
        name_en="Other",
        hint_vi="Những vấn đề không thuộc các lĩnh vực trên.",
        hint_en="Anything that does not fit the fields above.",
        group="khac",
        keywords=(),
    ),
    # --- added by the issue ---
    Category(
        code="giao-thong",
        name_vi="Giao thông",
        name_en="Traffic and transport",
        hint_vi="Ùn tắc, tai nạn, đường, cầu, bến đò xuống cấp; biển báo, đèn tín hiệu hư hỏng.",
        hint_en="Congestion, accidents, damaged roads, bridges and ferry landings; broken signs and signals.",
        group="do-thi",
        keywords=("đường", "cầu", "ổ gà", "ùn tắc", "tai nạn", "đèn giao thông", "biển báo",
                  "bến đò", "road", "bridge", "traffic"),
    ),
]

CATEGORY_BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}


# --------------------------------------------------------------------------- areas

PROVINCE_ADMIN_CODE = "96"  # official code of Tỉnh Cà Mau (post-2025, merged with Bạc Liêu)
PROVINCE_NAME = "Tỉnh Cà Mau"


@dataclass(frozen=True)
class Area:
    code: str  # ASCII slug, e.g. "xa-dat-mui"
    name: str  # "Xã Đất Mũi"
    kind: str  # "phuong" | "xa" | "dac-khu"
    lat: float  # centroid
    lon: float
    admin_code: str  # official 5-digit unit code, e.g. "32248"


@lru_cache(maxsize=None)
def load_areas(province_admin_code: str = PROVINCE_ADMIN_CODE) -> tuple[Area, ...]:
    """The commune-level units of one province from ``vietnamadminunits`` (34-province data).

    ``get_data(fields, table="admin_units")`` is the package's public accessor for its shipped
    SQLite dataset; ``admin_units`` is the post-2025 table (``admin_units_legacy`` is the old one).
    Units are returned in official-code order.
    """
    rows = get_data(
        ["provinceCode", "ward", "wardType", "wardCode", "wardLat", "wardLon"],
        table="admin_units",
    )
    areas = [
        Area(
            code=slugify(r["ward"]),
            name=r["ward"],
            kind=slugify(r["wardType"]),  # "Phường" → phuong, "Xã" → xa, "Đặc khu" → dac-khu
            lat=float(r["wardLat"]),
            lon=float(r["wardLon"]),
            admin_code=r["wardCode"],
        )
        for r in rows
        if r["provinceCode"] == province_admin_code
    ]
    if not areas:
        raise LookupError(f"vietnamadminunits has no units for province {province_admin_code!r}")
    return tuple(sorted(areas, key=lambda a: a.admin_code))


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
            f"(vietnamadminunits data); known: {', '.join(a.name for a in AREAS)}"
        ) from None


# --------------------------------------------------------------------------- agencies

ROOT_AGENCY = "ubnd-tinh-ca-mau"
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


# The province's bodies after the 2025 reorganisation: (code, name, kind).
_PROVINCIAL_BODIES: list[tuple[str, str, str]] = [
    ("van-phong-ubnd-tinh", "Văn phòng UBND tỉnh", "department"),
    ("so-noi-vu", "Sở Nội vụ", "department"),
    ("so-tu-phap", "Sở Tư pháp", "department"),
    ("so-tai-chinh", "Sở Tài chính", "department"),
    ("so-cong-thuong", "Sở Công Thương", "department"),
    ("so-nong-nghiep-va-moi-truong", "Sở Nông nghiệp và Môi trường", "department"),
    ("so-xay-dung", "Sở Xây dựng", "department"),
    ("so-khoa-hoc-va-cong-nghe", "Sở Khoa học và Công nghệ", "department"),
    ("so-van-hoa-the-thao-va-du-lich", "Sở Văn hóa, Thể thao và Du lịch", "department"),
    ("so-y-te", "Sở Y tế", "department"),
    ("so-giao-duc-va-dao-tao", "Sở Giáo dục và Đào tạo", "department"),
    ("so-dan-toc-va-ton-giao", "Sở Dân tộc và Tôn giáo", "department"),
    ("thanh-tra-tinh", "Thanh tra tỉnh", "department"),
    ("ban-quan-ly-khu-kinh-te", "Ban Quản lý Khu kinh tế", "department"),
    ("cong-an-tinh", "Công an tỉnh", "police"),
    ("bo-chi-huy-quan-su-tinh", "Bộ Chỉ huy quân sự tỉnh", "military"),
]


def _demo_phone(n: int) -> str:
    """A plausible Cà Mau landline (area code 0290) for demo agency number ``n``. Fictitious."""
    return f"0290 3{800 + n:03d} {(n * 379 + 123) % 1000:03d}"


def commune_agency_code(area_code: str) -> str:
    """Code of the people's committee of an area: "xa-dat-mui" → "ubnd-xa-dat-mui"."""
    return f"ubnd-{area_code}"


_UNIT_TYPES = {"phuong": "Phường", "xa": "Xã", "dac-khu": "Đặc khu"}


def _commune_committee_name(area: Area) -> str:
    """ "Xã Đất Mũi" → "UBND xã Đất Mũi"; the unit type is lower-case after "UBND"."""
    unit_type = _UNIT_TYPES[area.kind]
    return f"UBND {unit_type.lower()} {area.name.removeprefix(unit_type).strip()}"


def _build_agencies(areas: list[Area]) -> list[Agency]:
    def make(n: int, code: str, name: str, kind: str, parent: str | None, area: str | None):
        return Agency(code, name, kind, parent, area, _demo_phone(n), f"{code}@{DEMO_EMAIL_DOMAIN}")

    agencies = [make(0, ROOT_AGENCY, "UBND tỉnh Cà Mau", "province", None, None)]
    for code, name, kind in _PROVINCIAL_BODIES:
        agencies.append(make(len(agencies), code, name, kind, ROOT_AGENCY, None))
    for area in areas:
        agencies.append(
            make(len(agencies), commune_agency_code(area.code), _commune_committee_name(area),
                 "commune", ROOT_AGENCY, area.code)
        )
    return agencies


AGENCIES: list[Agency] = _build_agencies(AREAS)
AGENCY_BY_CODE: dict[str, Agency] = {a.code: a for a in AGENCIES}


# --------------------------------------------------------------------------- routing

# One responsible body per category, for any area.
_DEFAULT_AGENCY: dict[str, str] = {
    "dich-benh": "so-y-te",
    "y-te": "so-y-te",
    "an-ninh-trat-tu": "cong-an-tinh",
    "vi-pham-phap-luat": "cong-an-tinh",
    "thien-tai": "so-nong-nghiep-va-moi-truong",
    "thoi-tiet": "so-nong-nghiep-va-moi-truong",
    "giao-thong": "so-xay-dung",
    "ha-tang-do-thi": "so-xay-dung",
    "cap-thoat-nuoc": "so-xay-dung",
    "dien-chieu-sang": "so-cong-thuong",
    "giao-duc": "so-giao-duc-va-dao-tao",
    "gop-y": "van-phong-ubnd-tinh",
    # The two below are handled by the commune (rules per area, built below); these defaults
    # only catch a report that has no area.
    "ve-sinh-moi-truong": "so-nong-nghiep-va-moi-truong",
    "khac": "van-phong-ubnd-tinh",
}

# Categories that go to the people's committee of the report's own commune.
_COMMUNE_CATEGORIES: tuple[str, ...] = ("ve-sinh-moi-truong", "khac")


def build_routing_rules(areas: list[Area]) -> list[tuple[str, str | None, str]]:
    """Routing rules ``(category code, area code or None for any area, agency code)``.

    One province-wide rule per category, plus one rule per area for the categories handled by
    the commune's own people's committee. An area rule beats the province-wide one.
    """
    rules: list[tuple[str, str | None, str]] = [
        (category, None, agency) for category, agency in _DEFAULT_AGENCY.items()
    ]
    for category in _COMMUNE_CATEGORIES:
        rules.extend((category, area.code, commune_agency_code(area.code)) for area in areas)
    return rules


ROUTING_RULES: list[tuple[str, str | None, str]] = build_routing_rules(AREAS)

_RULE_INDEX: dict[tuple[str, str | None], str] = {(c, a): ag for c, a, ag in ROUTING_RULES}


def route(category: str, area: str | None = None) -> str | None:
    """The suggested agency for a category in an area: the area's rule, else the province-wide one."""
    if area is not None and (category, area) in _RULE_INDEX:
        return _RULE_INDEX[(category, area)]
    return _RULE_INDEX.get((category, None))
