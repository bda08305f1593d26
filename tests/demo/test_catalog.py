"""The Cà Mau demo catalogue and sample reports are complete and consistent."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import astuple, fields

import pytest

from phananh.demo import catalog, samples
from phananh.demo.catalog import (
    AGENCIES,
    AGENCY_BY_CODE,
    AREA_BY_CODE,
    AREAS,
    CATEGORIES,
    CATEGORY_BY_CODE,
    CATEGORY_GROUPS,
    ROOT_AGENCY,
    ROUTING_RULES,
    area_by_name,
    route,
    slugify,
)
from phananh.demo.samples import (
    DEADLINE_SITUATIONS,
    REJECT_REASONS,
    SAMPLE_BY_REF,
    SAMPLE_REPORTS,
    STATES,
)

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _has_diacritics(text: str) -> bool:
    return any(ord(c) > 127 for c in text)


# --------------------------------------------------------------------------- slugify


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Xã Đất Mũi", "xa-dat-mui"),
        ("Phường An Xuyên", "phuong-an-xuyen"),
        ("Sở Văn hóa, Thể thao và Du lịch", "so-van-hoa-the-thao-va-du-lich"),
        ("Đặc khu Phú Quốc", "dac-khu-phu-quoc"),
        ("  Lĩnh vực   khác! ", "linh-vuc-khac"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


# --------------------------------------------------------------------------- areas


def test_areas_are_the_64_units_of_new_ca_mau():
    kinds = Counter(a.kind for a in AREAS)
    assert len(AREAS) == 64
    assert kinds == {"phuong": 9, "xa": 55}


def test_areas_come_from_the_package_with_codes_and_centroids():
    dat_mui = area_by_name("Xã Đất Mũi")
    assert dat_mui.code == "xa-dat-mui"
    assert dat_mui.admin_code == "32248"
    assert AREA_BY_CODE["phuong-an-xuyen"].name == "Phường An Xuyên"
    # Bạc Liêu's units belong to Cà Mau since the 2025 merger.
    assert area_by_name("Phường Bạc Liêu").kind == "phuong"
    for a in AREAS:
        assert re.fullmatch(r"\d{5}", a.admin_code)
        # Cà Mau + former Bạc Liêu lie roughly within these bounds.
        assert 8.4 < a.lat < 9.8 and 104.6 < a.lon < 106.0, a


def test_area_by_name_fails_loudly():
    with pytest.raises(KeyError, match="Xã Không Có"):
        area_by_name("Xã Không Có")


def test_the_catalogue_is_the_ca_mau_pack():
    # The demo reads the province pack (src/phananh/provinces/ca-mau/): nothing Cà Mau is typed in Python.
    assert catalog.PACK.province.code == "ca-mau"
    assert [c.code for c in CATEGORIES] == [c.code for c in catalog.PACK.categories]
    assert len(catalog.PACK.areas) == len(AREAS)


# --------------------------------------------------------------------------- codes


@pytest.mark.parametrize(
    ("items", "expected"),
    [(CATEGORIES, 14), (AREAS, 64), (AGENCIES, 1 + 16 + 64)],
    ids=["categories", "areas", "agencies"],
)
def test_counts_and_unique_slug_codes(items, expected):
    codes = [i.code for i in items]
    assert len(codes) == expected
    assert len(set(codes)) == len(codes), [c for c, n in Counter(codes).items() if n > 1]
    for code in codes:
        assert SLUG.fullmatch(code), code


def test_all_text_is_nfc():
    """Composed Unicode everywhere, so that equality and search work on Vietnamese text."""
    records = [*CATEGORIES, *AGENCIES, *AREAS, *SAMPLE_REPORTS, *REJECT_REASONS.values()]
    for record in records:
        for value in astuple(record):
            for text in value if isinstance(value, tuple) else (value,):
                if isinstance(text, str):
                    assert unicodedata.is_normalized("NFC", text), (record, text)


# --------------------------------------------------------------------------- categories


def test_categories_cover_the_seed_qd17_and_traffic():
    names = {c.name_vi for c in CATEGORIES}
    assert names == {
        # the seed (merged with QĐ 17's duplicates)
        "Dịch bệnh", "Thời tiết", "Thiên tai", "An ninh – trật tự", "Y tế – sức khỏe",
        "Góp ý – hiến kế cho chính quyền",
        # QĐ 17/2022/QĐ-UBND
        "Hạ tầng đô thị", "Vệ sinh môi trường", "Giáo dục – đào tạo", "Điện – chiếu sáng",
        "Cấp thoát nước", "Vi phạm pháp luật", "Lĩnh vực khác",
        # the issue
        "Giao thông",
    }


def test_category_fields():
    for c in CATEGORIES:
        assert c.group in CATEGORY_GROUPS, c
        assert _has_diacritics(c.name_vi) and _has_diacritics(c.hint_vi), c
        assert c.name_en.isascii() and c.hint_en, c
        assert "\n" not in c.hint_vi and "\n" not in c.hint_en
        assert isinstance(c.keywords, tuple)
        assert not c.out_of_scope


# --------------------------------------------------------------------------- agencies


def test_agency_names_have_their_diacritics():
    expected = {
        "ubnd-tinh-ca-mau": "UBND tỉnh Cà Mau",
        "van-phong-ubnd-tinh": "Văn phòng UBND tỉnh",
        "so-noi-vu": "Sở Nội vụ",
        "so-tu-phap": "Sở Tư pháp",
        "so-tai-chinh": "Sở Tài chính",
        "so-cong-thuong": "Sở Công Thương",
        "so-nong-nghiep-va-moi-truong": "Sở Nông nghiệp và Môi trường",
        "so-xay-dung": "Sở Xây dựng",
        "so-khoa-hoc-va-cong-nghe": "Sở Khoa học và Công nghệ",
        "so-van-hoa-the-thao-va-du-lich": "Sở Văn hóa, Thể thao và Du lịch",
        "so-y-te": "Sở Y tế",
        "so-giao-duc-va-dao-tao": "Sở Giáo dục và Đào tạo",
        "so-dan-toc-va-ton-giao": "Sở Dân tộc và Tôn giáo",
        "thanh-tra-tinh": "Thanh tra tỉnh",
        "ban-quan-ly-khu-kinh-te": "Ban Quản lý Khu kinh tế",
        "cong-an-tinh": "Công an tỉnh",
        "bo-chi-huy-quan-su-tinh": "Bộ Chỉ huy quân sự tỉnh",
        "ubnd-xa-dat-mui": "UBND xã Đất Mũi",
        "ubnd-phuong-an-xuyen": "UBND phường An Xuyên",
    }
    assert {code: AGENCY_BY_CODE[code].name for code in expected} == expected
    assert all(_has_diacritics(a.name) for a in AGENCIES)


def test_agency_tree_and_kinds():
    roots = [a for a in AGENCIES if a.parent is None]
    assert [r.code for r in roots] == [ROOT_AGENCY]
    assert roots[0].kind == "province"
    kinds = Counter(a.kind for a in AGENCIES)
    assert kinds == {"province": 1, "department": 14, "police": 1, "military": 1, "commune": 64}
    for a in AGENCIES:
        assert a.parent is None or a.parent in AGENCY_BY_CODE
        assert re.fullmatch(r"0290 3\d{3} \d{3}", a.phone), a
        assert a.email == f"{a.code}@{catalog.DEMO_EMAIL_DOMAIN}"
        if a.kind == "commune":
            assert a.area in AREA_BY_CODE and a.code == f"ubnd-{a.area}"
        else:
            assert a.area is None
    # exactly one committee per area
    assert sorted(a.area for a in AGENCIES if a.kind == "commune") == sorted(AREA_BY_CODE)


# --------------------------------------------------------------------------- routing


def test_routing_rules_reference_existing_codes():
    for category, area, agency in ROUTING_RULES:
        assert category in CATEGORY_BY_CODE
        assert area is None or area in AREA_BY_CODE
        assert agency in AGENCY_BY_CODE
    pairs = [(c, a) for c, a, _ in ROUTING_RULES]
    assert len(pairs) == len(set(pairs)), "one agency per (category, area)"


def test_every_category_routes_everywhere():
    for category in CATEGORY_BY_CODE:
        assert route(category) is not None, category
        for area in AREA_BY_CODE:
            assert route(category, area) in AGENCY_BY_CODE


@pytest.mark.parametrize(
    ("category", "area", "agency"),
    [
        ("dich-benh", "xa-dat-mui", "so-y-te"),
        ("y-te", None, "so-y-te"),
        ("an-ninh-trat-tu", "phuong-bac-lieu", "cong-an-tinh"),
        ("vi-pham-phap-luat", None, "cong-an-tinh"),
        ("thien-tai", "xa-tan-thuan", "so-nong-nghiep-va-moi-truong"),
        ("thoi-tiet", None, "so-nong-nghiep-va-moi-truong"),
        ("giao-thong", None, "so-xay-dung"),
        ("ha-tang-do-thi", None, "so-xay-dung"),
        ("cap-thoat-nuoc", None, "so-xay-dung"),
        ("dien-chieu-sang", None, "so-cong-thuong"),
        ("giao-duc", None, "so-giao-duc-va-dao-tao"),
        ("gop-y", "xa-dat-mui", "van-phong-ubnd-tinh"),
        ("ve-sinh-moi-truong", "xa-dat-mui", "ubnd-xa-dat-mui"),
        ("ve-sinh-moi-truong", "phuong-an-xuyen", "ubnd-phuong-an-xuyen"),
        ("khac", "phuong-an-xuyen", "ubnd-phuong-an-xuyen"),
        ("khac", None, "van-phong-ubnd-tinh"),
    ],
)
def test_default_routes(category, area, agency):
    assert route(category, area) == agency


# --------------------------------------------------------------------------- samples


def test_sample_references_exist():
    assert 40 <= len(SAMPLE_REPORTS) <= 50
    assert len(SAMPLE_BY_REF) == len(SAMPLE_REPORTS), "refs are unique"
    for s in SAMPLE_REPORTS:
        assert SLUG.fullmatch(s.ref), s.ref
        assert s.category in CATEGORY_BY_CODE, s.ref
        assert s.area in AREA_BY_CODE, s.ref
        assert s.agency is None or s.agency in AGENCY_BY_CODE, s.ref
        area = AREA_BY_CODE[s.area]
        assert abs(s.lat - area.lat) <= 0.01 and abs(s.lon - area.lon) <= 0.01, s.ref
        assert s.address.endswith(area.name[0].lower() + area.name[1:]), s.ref


def test_every_state_and_situation_appears():
    assert {s.target_state for s in SAMPLE_REPORTS} == set(STATES)
    assert {s.deadline_situation for s in SAMPLE_REPORTS} == set(DEADLINE_SITUATIONS)
    # the states with a running clock show every situation
    for state in ("received", "assigned", "returned", "in_progress", "resolved"):
        seen = {s.deadline_situation for s in SAMPLE_REPORTS if s.target_state == state}
        assert seen == set(DEADLINE_SITUATIONS), state
    assert {"published", "closed"} <= {s.target_state for s in SAMPLE_REPORTS if s.rating}


def test_sample_mix():
    n = len(SAMPLE_REPORTS)
    anonymous = sum(s.anonymous for s in SAMPLE_REPORTS)
    assert 0.15 * n <= anonymous <= 0.35 * n
    assert 2 <= sum(s.urgent_hint for s in SAMPLE_REPORTS) <= 10
    assert 2 <= sum(s.language == "en" for s in SAMPLE_REPORTS) <= 3
    assert {s.language for s in SAMPLE_REPORTS} == {"vi", "en"}
    assert len({s.category for s in SAMPLE_REPORTS}) == len(CATEGORIES)
    assert {s.rating for s in SAMPLE_REPORTS if s.rating} >= {1, 2, 3, 4, 5}


def test_sample_reporter_identity():
    for s in SAMPLE_REPORTS:
        if s.anonymous:
            assert s.reporter_name is None and s.reporter_phone is None, s.ref
            assert not s.share_identity_with_agency, s.ref
        else:
            assert s.reporter_name, s.ref
            # well formed but reaching nobody: no Vietnamese subscriber number starts 000 (README, demo data)
            assert re.fullmatch(r"000\d{7}", s.reporter_phone), s.ref


def test_sample_text_is_natural():
    for s in SAMPLE_REPORTS:
        assert s.title and len(s.description) >= 80, s.ref
        assert 2 <= len(re.findall(r"[.!?](?:\s|$)", s.description)) <= 4, s.ref
        if s.language == "vi":
            assert _has_diacritics(s.title) and _has_diacritics(s.description), s.ref
        else:
            assert s.description.isascii(), s.ref


# Which step fields each state needs (True), may have (None) or must not have (False).
_STEP_FIELDS = ("agency_response", "result_text", "rating", "reject_reason", "merged_into",
                "return_reason")
_REQUIRED = {
    #              response result  rating  reject  merged  return
    "received":    (False,  False,  False,  False,  False,  False),
    "assigned":    (False,  False,  False,  False,  False,  False),
    "returned":    (False,  False,  False,  False,  False,  True),
    "in_progress": (True,   False,  False,  False,  False,  False),
    "resolved":    (None,   True,   False,  False,  False,  False),
    "published":   (None,   True,   None,   False,  False,  False),
    "closed":      (None,   True,   None,   False,  False,  False),
    "rejected":    (False,  False,  False,  True,   False,  False),
    "merged":      (False,  False,  False,  False,  True,   False),
}


def test_samples_carry_what_their_state_needs():
    assert set(_REQUIRED) == set(STATES)
    for s in SAMPLE_REPORTS:
        for name, need in zip(_STEP_FIELDS, _REQUIRED[s.target_state]):
            value = getattr(s, name)
            if need is True:
                assert value, (s.ref, name)
            elif need is False:
                assert value is None, (s.ref, name)
        if s.rating is not None:
            assert 1 <= s.rating <= 5
        if s.rating_comment is not None:
            assert s.rating is not None, s.ref
        if s.target_state == "returned":
            assert s.agency, f"{s.ref}: a returned report names the agency that sent it back"
        assert s.age_hours > 0


def test_merged_samples_point_at_an_older_live_report():
    for s in SAMPLE_REPORTS:
        if s.target_state != "merged":
            continue
        target = SAMPLE_BY_REF[s.merged_into]
        assert target.target_state not in ("merged", "rejected"), s.ref
        assert target.category == s.category and target.area == s.area, s.ref
        assert target.age_hours > s.age_hours, s.ref
        # the seeder creates the target first, so that the duplicate can point at it
        assert SAMPLE_REPORTS.index(target) < SAMPLE_REPORTS.index(s), s.ref


def test_reject_reasons():
    assert {"khieu-nai", "to-cao", "thu-tuc-hanh-chinh"} <= {
        code for code, r in REJECT_REASONS.items() if r.out_of_scope
    }
    texts = {r.text_vi for r in REJECT_REASONS.values()}
    rejected = [s for s in SAMPLE_REPORTS if s.target_state == "rejected"]
    assert all(s.reject_reason in texts for s in rejected)
    # the three out-of-scope reasons are all demonstrated
    used = {code for code, r in REJECT_REASONS.items() if r.text_vi in
            {s.reject_reason for s in rejected}}
    assert {"khieu-nai", "to-cao", "thu-tuc-hanh-chinh"} <= used


def test_modules_are_pure_data():
    """No database or web imports: the seed decides how to load these."""
    for module in (catalog, samples):
        source = open(module.__file__, encoding="utf-8").read()
        assert not re.search(r"^\s*(from|import)\s+(sqlalchemy|fastapi|httpx)", source, re.M)
    assert {f.name for f in fields(samples.SampleReport)} >= {
        "category", "title", "description", "area", "address", "lat", "lon", "reporter_name",
        "reporter_phone", "anonymous", "share_identity_with_agency", "urgent_hint", "language",
        "target_state", "deadline_situation", "age_hours", "agency_response", "result_text",
        "reject_reason", "rating", "rating_comment",
    }
