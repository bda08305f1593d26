"""Cà Mau demo reports: realistic citizen reports spread over every lifecycle state.

Pure data: no database, no web. ``phananh.demo.seed`` replays each sample through the workflow
(submit → assign → … → ``target_state``), backdating the events.

How the seeder should read a sample:

* ``age_hours``: how long ago the report was submitted (the events follow in order after it).
* ``deadline_situation``: where the report stands against its SLA.
  For a state with a running clock (received / returned: distribute; assigned: return + respond;
  resolved: publish) it is that clock: ``on_time`` (plenty left), ``at_risk`` (< 25 % left) or
  ``overdue`` (deadline passed). For the other states it tells how the last finished stage went:
  ``on_time`` (done early), ``at_risk`` (done in its last quarter) or ``overdue`` (done late).
  ``SITUATION_ELAPSED_FRACTION`` gives the share of the stage's allowance to place the step at,
  whatever the SLA mode and day type the seeder runs with; ``age_hours`` is consistent with the
  working-day limits of the default ``day_type`` mode.
* ``agency``: the agency the report is (or was last) assigned to; ``None`` means "use the routing
  rules" (``catalog.route``). For ``returned`` it is the agency that sent it back.
* ``merged_into``: the ``ref`` of the report a ``merged`` duplicate was merged into.

Areas are written by their official name and resolved to codes against the package data at import
time: a name that the data does not have fails loudly (KeyError).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from phananh.demo.catalog import CATEGORY_BY_CODE, area_by_name
from phananh.demo.marker import demo_phone

__all__ = [
    "DEADLINE_SITUATIONS",
    "REJECT_REASONS",
    "RejectReason",
    "SAMPLE_REPORTS",
    "SAMPLE_BY_REF",
    "SITUATION_ELAPSED_FRACTION",
    "STATES",
    "SampleReport",
]

# ARCHITECTURE §3, in lifecycle order.
STATES: tuple[str, ...] = (
    "received", "assigned", "returned", "in_progress", "resolved",
    "published", "closed", "rejected", "merged",
)
DEADLINE_SITUATIONS: tuple[str, ...] = ("on_time", "at_risk", "overdue")

# Share of the running (or last) stage's allowance that has elapsed, per situation.
SITUATION_ELAPSED_FRACTION: dict[str, float] = {"on_time": 0.3, "at_risk": 0.85, "overdue": 1.6}


# --------------------------------------------------------------------------- reject reasons


@dataclass(frozen=True)
class RejectReason:
    code: str
    text_vi: str  # what the reporter is told
    text_en: str
    out_of_scope: bool  # True: belongs to another legal channel (not spam or invalid)


REJECT_REASONS: dict[str, RejectReason] = {
    r.code: r
    for r in [
        RejectReason(
            "khieu-nai",
            "Nội dung là khiếu nại, không thuộc phạm vi tiếp nhận phản ánh hiện trường. Đề nghị "
            "ông/bà gửi đơn khiếu nại đến cơ quan có thẩm quyền theo quy định của Luật Khiếu nại.",
            "This is a complaint (khiếu nại), which field reports do not cover. Please file it with "
            "the competent authority under the Law on Complaints.",
            True,
        ),
        RejectReason(
            "to-cao",
            "Nội dung là tố cáo, không thuộc phạm vi tiếp nhận phản ánh hiện trường. Đề nghị "
            "ông/bà gửi đơn tố cáo đến cơ quan có thẩm quyền theo quy định của Luật Tố cáo.",
            "This is a denunciation (tố cáo), which field reports do not cover. Please file it with "
            "the competent authority under the Law on Denunciations.",
            True,
        ),
        RejectReason(
            "thu-tuc-hanh-chinh",
            "Nội dung liên quan đến thủ tục hành chính, không thuộc phạm vi tiếp nhận phản ánh hiện "
            "trường. Đề nghị ông/bà liên hệ Trung tâm Phục vụ hành chính công tỉnh hoặc phản ánh, "
            "kiến nghị về thủ tục hành chính trên Cổng Dịch vụ công quốc gia.",
            "This concerns an administrative procedure. Please contact the provincial Public "
            "Administration Service Centre or use the National Public Service Portal.",
            True,
        ),
        RejectReason(
            "khong-du-thong-tin",
            "Phản ánh chưa đủ thông tin (không xác định được vị trí hoặc nội dung sự việc) để "
            "chuyển xử lý. Ông/bà vui lòng gửi lại với mô tả và vị trí cụ thể.",
            "The report lacks the information needed to handle it (place or facts). Please send "
            "it again with a clear description and location.",
            False,
        ),
        RejectReason(
            "khong-phu-hop",
            "Nội dung không phải phản ánh hiện trường (quảng cáo, nội dung không phù hợp).",
            "This is not a field report (advertising or inappropriate content).",
            False,
        ),
    ]
}


# --------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class SampleReport:
    ref: str  # unique, stable key inside the demo data
    category: str  # category code
    title: str
    description: str
    area: str  # area code
    address: str
    lat: float
    lon: float
    reporter_name: str | None  # None when anonymous
    reporter_phone: str | None
    anonymous: bool
    share_identity_with_agency: bool
    urgent_hint: bool
    language: str  # "vi" | "en"
    target_state: str  # one of STATES
    deadline_situation: str  # one of DEADLINE_SITUATIONS
    age_hours: float
    agency: str | None = None
    return_reason: str | None = None
    agency_response: str | None = None
    result_text: str | None = None
    reject_reason: str | None = None
    rating: int | None = None
    rating_comment: str | None = None
    merged_into: str | None = None
    # The Portal's review (ARCHITECTURE §5): an open report made public, and its public view when redacted.
    make_public: bool = False
    public_title: str | None = None
    public_description: str | None = None


def _digits(ref: str, salt: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{salt}:{ref}".encode()).digest()[:8], "big")


def _fake_phone(ref: str) -> str:
    """A demo number 000xxxxxxx (well formed, reaches nobody: see demo.marker), stable for a given sample."""
    return demo_phone(_digits(ref, "phone"))


def _offset(ref: str, salt: str) -> float:
    """A stable offset of at most ±0.006° (≈ 650 m) from the area's centroid."""
    return round((_digits(ref, salt) % 1201 - 600) / 100_000, 5)


def _sample(
    ref: str,
    category: str,
    area_name: str,
    place: str,
    title: str,
    description: str,
    *,
    reporter: str | None,
    state: str,
    situation: str,
    age_hours: float,
    share: bool = True,
    urgent: bool = False,
    language: str = "vi",
    **steps: object,
) -> SampleReport:
    if category not in CATEGORY_BY_CODE:
        raise KeyError(f"sample {ref!r}: unknown category {category!r}")
    area = area_by_name(area_name)  # KeyError if the package data has no such unit
    anonymous = reporter is None
    return SampleReport(
        ref=ref,
        category=category,
        title=title,
        description=" ".join(description.split()),
        area=area.code,
        # "Khóm 3" + "Phường An Xuyên" → "Khóm 3, phường An Xuyên"
        address=f"{place}, {area.name[0].lower()}{area.name[1:]}",
        lat=round(area.lat + _offset(ref, "lat"), 5),
        lon=round(area.lon + _offset(ref, "lon"), 5),
        reporter_name=reporter,
        reporter_phone=None if anonymous else _fake_phone(ref),
        anonymous=anonymous,
        share_identity_with_agency=share and not anonymous,
        urgent_hint=urgent,
        language=language,
        target_state=state,
        deadline_situation=situation,
        age_hours=age_hours,
        **steps,  # type: ignore[arg-type]
    )


SAMPLE_REPORTS: list[SampleReport] = [
    # ------------------------------------------------------------------ received
    _sample(
        "sat-lo-bo-bien-tan-thuan", "thien-tai", "Xã Tân Thuận", "Ấp 4",
        "Sạt lở bờ biển uy hiếp nhà dân",
        """Đêm qua triều cường kết hợp sóng lớn làm sạt lở thêm khoảng 50 mét bờ biển, đất lở
        vào sát chân móng ba căn nhà. Các hộ đã tạm đưa người già, trẻ nhỏ sang nhà người thân
        nhưng tài sản vẫn còn trong nhà. Đề nghị chính quyền khẩn trương kiểm tra, hỗ trợ di dời
        và gia cố tạm thời.""",
        reporter="Trần Văn Út", urgent=True,
        state="received", situation="at_risk", age_hours=1.7,
        make_public=True,
    ),
    _sample(
        "day-dien-dut-hong-dan", "dien-chieu-sang", "Xã Hồng Dân", "Ấp 7",
        "Dây điện đứt rơi xuống đường sau cơn giông",
        """Sau cơn giông chiều nay, cây bạch đàn ngã đè đứt dây điện, một đoạn dây rơi xuống lộ
        bê tông. Người dân đang tự giăng dây cảnh báo nhưng học sinh đi học về thường qua đây.
        Đề nghị ngành điện cắt điện và xử lý gấp.""",
        reporter="Lê Thị Mỹ Duyên", urgent=True,
        state="received", situation="on_time", age_hours=0.3,
    ),
    _sample(
        "trom-xe-cho-gia-rai", "an-ninh-trat-tu", "Phường Giá Rai", "Khu vực chợ Giá Rai",
        "Trộm xe máy liên tục quanh khu chợ",
        """Khoảng một tháng nay khu vực quanh chợ liên tục xảy ra mất trộm xe máy, riêng tuần này
        đã có hai vụ vào ban đêm. Bà con buôn bán rất hoang mang. Đề nghị công an tăng cường tuần
        tra và lắp thêm camera an ninh ở các tuyến hẻm.""",
        reporter=None,
        state="received", situation="overdue", age_hours=15,
    ),
    _sample(
        "ngap-cong-nghet-tan-thanh", "cap-thoat-nuoc", "Phường Tân Thành", "Khóm 5",
        "Đường trước trường học ngập sâu vì cống nghẹt",
        """Mỗi lần mưa lớn, đoạn đường trước trường tiểu học ở khóm 5 ngập sâu 30 đến 40 cm, nước
        rút rất chậm. Miệng cống bị rác và bùn lấp kín. Xe máy chết máy giữa đường, phụ huynh đưa
        đón con rất vất vả.""",
        reporter="Phạm Hoàng Nam",
        state="received", situation="at_risk", age_hours=1.6,
        make_public=True,
    ),
    _sample(
        "gop-y-tin-nhan-ngu-dan", "gop-y", "Xã Gành Hào", "Khu vực cảng cá Gành Hào",
        "Đề xuất nhắn tin cảnh báo thời tiết cho ngư dân",
        """Nhiều tàu cá nhỏ đánh bắt gần bờ không có máy thông tin liên lạc tầm xa nên không nắm
        kịp tin giông lốc. Tôi đề xuất tỉnh phối hợp các nhà mạng gửi tin nhắn cảnh báo thời tiết
        miễn phí đến điện thoại của chủ tàu và thuyền trưởng đã đăng ký. Cách này ít tốn kém mà
        có thể cứu được người.""",
        reporter="Huỳnh Văn Tư",
        state="received", situation="on_time", age_hours=0.5,
    ),
    _sample(
        "flooded-street-bac-lieu", "cap-thoat-nuoc", "Phường Bạc Liêu", "Đường Hai Bà Trưng",
        "Street flooded after the rain, water not draining",
        """After yesterday evening's rain the street in front of our hotel was still under about
        20 cm of water this morning. The drain grates are covered with leaves and rubbish, and
        motorbikes are splashing pedestrians. Could someone clear the drains?""",
        reporter="Emma Clarke", share=False, language="en",
        state="received", situation="overdue", age_hours=20,
    ),
    # ------------------------------------------------------------------ assigned
    _sample(
        "mua-ban-ma-tuy-hem-an-xuyen", "an-ninh-trat-tu", "Phường An Xuyên", "Khóm 4",
        "Nghi mua bán ma túy trong hẻm về đêm",
        """Mấy tuần nay cứ khoảng 22 giờ lại có vài thanh niên đi xe máy vào cuối hẻm 12 giao nhận
        những gói nhỏ rồi đi ngay, hàng xóm nghi là mua bán ma túy. Tôi là Lâm Văn Khoa ở nhà số 8
        đầu hẻm, số điện thoại 0001557799, công an cần thì gọi tôi. Đề nghị công an kiểm tra và
        tăng cường tuần tra vào buổi tối.""",
        reporter="Lâm Văn Khoa",
        state="assigned", situation="on_time", age_hours=1.2,
        make_public=True,
        # The reporter's name, phone and house are the Portal's to keep: the public reads this instead.
        public_title="Nghi có mua bán ma túy trong hẻm về đêm",
        public_description="Người dân phản ánh dấu hiệu mua bán ma túy vào buổi tối tại một con hẻm ở khóm 4. "
                           "Đề nghị công an kiểm tra, tăng cường tuần tra.",
    ),
    _sample(
        "sot-xuat-huyet-an-xuyen", "dich-benh", "Phường An Xuyên", "Khóm 3",
        "Nhiều ca sốt xuất huyết trong khóm",
        """Hơn một tuần nay trong khóm có ít nhất bốn người bị sốt xuất huyết, trong đó hai cháu
        nhỏ phải nhập viện. Khu vực có nhiều vũng nước đọng, lu chứa nước không đậy nắp nên muỗi
        rất nhiều. Đề nghị ngành y tế về phun thuốc diệt muỗi và hướng dẫn bà con diệt lăng quăng.""",
        reporter="Nguyễn Thị Hồng Nhung",
        state="assigned", situation="on_time", age_hours=1.5,
        make_public=True,
    ),
    _sample(
        "tau-ca-mat-lien-lac-song-doc", "thoi-tiet", "Xã Sông Đốc", "Cửa biển Sông Đốc",
        "Tàu cá mất liên lạc sau giông lốc",
        """Tàu cá của gia đình tôi với sáu thuyền viên ra khơi từ cửa biển Sông Đốc, từ chiều qua
        đến giờ mất liên lạc sau khi vùng biển có giông lốc mạnh. Lần liên lạc cuối, tàu đang ở
        cách Hòn Chuối khoảng 20 hải lý về phía tây. Gia đình rất lo lắng, xin các lực lượng hỗ
        trợ tìm kiếm cứu nạn.""",
        reporter="Võ Thị Thu Ba", urgent=True,
        state="assigned", situation="on_time", age_hours=0.8,
        agency="bo-chi-huy-quan-su-tinh",
    ),
    _sample(
        "ngo-doc-ban-tru-tran-van-thoi", "y-te", "Xã Trần Văn Thời", "Ấp 6",
        "Nhiều học sinh đau bụng, nôn ói sau bữa ăn bán trú",
        """Trưa nay sau bữa ăn bán trú, khoảng 15 học sinh của một trường tiểu học trong xã bị đau
        bụng, nôn ói và đã được đưa đến trung tâm y tế. Phụ huynh rất lo lắng, muốn biết nguồn
        thực phẩm của bữa ăn. Đề nghị kiểm tra an toàn thực phẩm bếp ăn của trường.""",
        reporter="Đặng Minh Luân", urgent=True,
        state="assigned", situation="at_risk", age_hours=3.6,
    ),
    _sample(
        "o-ga-quoc-lo-1-lang-tron", "giao-thong", "Phường Láng Tròn", "Quốc lộ 1",
        "Nhiều ổ gà sâu trên Quốc lộ 1",
        """Quốc lộ 1 đoạn qua phường có nhiều ổ gà sâu, trời mưa nước đọng lại nên không nhìn
        thấy. Tuần rồi đã có hai người đi xe máy bị té ngã. Đề nghị sớm vá lại mặt đường.""",
        reporter=None,
        state="assigned", situation="overdue", age_hours=9,
        make_public=True,
    ),
    _sample(
        "ferry-pier-nam-can", "giao-thong", "Xã Năm Căn", "Bến tàu du lịch Năm Căn",
        "Broken planks on the boat pier",
        """The wooden pier where the tourist boats leave for Dat Mui has several broken and
        missing planks near the end. An older man in our group almost fell through while carrying
        his bag. Please repair it or fence off that part before someone gets hurt.""",
        reporter="Jonas Weber", share=False, language="en",
        state="assigned", situation="at_risk", age_hours=3.5,
    ),
    _sample(
        "cho-tha-rong-tri-phai", "khac", "Xã Trí Phải", "Ấp 3",
        "Chó thả rông cắn người đi đường",
        """Nhiều hộ trong ấp thả chó rông ra lộ, tuần này đã có một học sinh và một người bán vé
        số bị chó cắn phải đi tiêm phòng dại. Đề nghị xã nhắc nhở các hộ nuôi chó phải xích, rọ mõm
        và tiêm phòng đầy đủ.""",
        reporter=None,
        state="assigned", situation="overdue", age_hours=30,
    ),
    _sample(
        "lan-chiem-via-he-an-xuyen", "ha-tang-do-thi", "Phường An Xuyên", "Đường Trần Hưng Đạo",
        "Quán ăn lấn chiếm hết vỉa hè",
        """Buổi tối dãy quán ăn trên đường bày bàn ghế ra kín vỉa hè, có quán lấn xuống cả lòng
        đường. Người đi bộ phải đi dưới lòng đường, xe cộ qua lại rất dễ va chạm.""",
        reporter="Lâm Quốc Bảo",
        state="assigned", situation="on_time", age_hours=2,
    ),
    # ------------------------------------------------------------------ returned
    _sample(
        "xung-dien-tam-giang", "vi-pham-phap-luat", "Xã Tam Giang", "Kênh xáng ấp 2",
        "Dùng xung điện bắt tôm cá trên kênh",
        """Thường xuyên vào ban đêm có ghe nhỏ dùng bình ắc quy kích điện bắt tôm cá trên kênh gần
        nhà tôi. Cách làm này giết cả cá con, tận diệt nguồn lợi mà bà con ven kênh sống nhờ. Mong
        cơ quan chức năng kiểm tra, xử lý.""",
        reporter=None,
        state="returned", situation="on_time", age_hours=6,
        agency="cong-an-tinh",
        return_reason=(
            "Việc khai thác thủy sản bằng xung điện do lực lượng kiểm ngư thuộc Sở Nông nghiệp và "
            "Môi trường xử lý vi phạm hành chính; đề nghị Cổng phân phối lại, Công an tỉnh sẽ "
            "phối hợp khi cần."
        ),
    ),
    _sample(
        "karaoke-cai-doi-vam", "an-ninh-trat-tu", "Xã Cái Đôi Vàm", "Ấp 1",
        "Hát karaoke gây ồn đến khuya",
        """Một hộ gia đình gần chợ mở loa kẹo kéo hát karaoke từ chiều đến gần 12 giờ đêm, gần
        như ngày nào cũng vậy. Người già và trẻ nhỏ trong xóm không ngủ được. Đã góp ý nhưng hộ
        này không chấp hành.""",
        reporter=None,
        state="returned", situation="at_risk", age_hours=5,
        agency="cong-an-tinh",
        return_reason=(
            "Tiếng ồn karaoke trong khu dân cư thuộc thẩm quyền xử lý của UBND cấp xã; đề nghị "
            "phân phối cho UBND xã Cái Đôi Vàm."
        ),
    ),
    _sample(
        "cay-xanh-nghieng-bac-lieu", "ha-tang-do-thi", "Phường Bạc Liêu", "Đường Trần Phú",
        "Cây xanh nghiêng, có nguy cơ ngã vào nhà dân",
        """Cây dầu lớn trên vỉa hè bị nghiêng hẳn về phía nhà dân sau mấy trận gió, rễ bật lên làm
        nứt vỉa hè. Mùa mưa bão sắp tới, người dân sợ cây ngã đè lên nhà và người đi đường. Đề
        nghị kiểm tra, cắt tỉa hoặc đốn hạ.""",
        reporter="Quách Thị Lan",
        state="returned", situation="overdue", age_hours=28,
        agency="so-xay-dung",
        return_reason=(
            "Cây xanh trên tuyến đường này do UBND phường Bạc Liêu quản lý và ký hợp đồng chăm "
            "sóc; đề nghị phân phối cho UBND phường Bạc Liêu."
        ),
    ),
    # ------------------------------------------------------------------ in_progress
    _sample(
        "sat-lo-song-cua-lon-nam-can", "thien-tai", "Xã Năm Căn", "Bờ sông Cửa Lớn",
        "Sạt lở bờ sông làm đứt đường bê tông",
        """Đoạn bờ sông Cửa Lớn gần chợ bị sạt lở sâu vào khoảng 5 mét, làm đứt một đoạn đường
        bê tông nông thôn. Xe máy phải đi vòng qua đường đất, ban đêm rất nguy hiểm. Mong cơ quan
        chức năng cắm biển cảnh báo và sớm khắc phục.""",
        reporter="Nguyễn Văn Chín",
        state="in_progress", situation="overdue", age_hours=30,
        make_public=True,
        agency_response=(
            "Sở Nông nghiệp và Môi trường đã phối hợp UBND xã Năm Căn cắm biển cảnh báo, rào chắn "
            "khu vực sạt lở và đang khảo sát phương án xử lý khẩn cấp."
        ),
    ),
    _sample(
        "dua-xe-quang-truong-bac-lieu", "an-ninh-trat-tu", "Phường Bạc Liêu",
        "Khu vực Quảng trường Hùng Vương",
        "Thanh niên tụ tập đua xe, nẹt pô ban đêm",
        """Tối thứ bảy và chủ nhật, nhiều nhóm thanh niên tụ tập đua xe, nẹt pô quanh quảng trường
        từ khoảng 23 giờ đến 1 giờ sáng. Tiếng ồn làm người dân không ngủ được, đã có lần suýt
        đâm vào người đi đường.""",
        reporter="Trương Thị Kim Ngân",
        state="in_progress", situation="on_time", age_hours=20,
        agency_response=(
            "Công an tỉnh đã chỉ đạo Công an phường Bạc Liêu bố trí lực lượng tuần tra, mật phục "
            "vào các tối cuối tuần tại khu vực được phản ánh."
        ),
    ),
    _sample(
        "rac-chan-cau-ly-van-lam", "ve-sinh-moi-truong", "Phường Lý Văn Lâm", "Khóm 4",
        "Rác ùn ứ dưới chân cầu, bốc mùi hôi",
        """Dưới chân cầu bắc qua kênh ở khóm 4, rác sinh hoạt bị đổ thành đống lớn, nhiều ngày
        không ai thu gom. Trời nắng bốc mùi hôi thối, ruồi nhặng nhiều, nước kênh đen ngòm. Đề
        nghị phường bố trí thu gom và xử lý người đổ rác bừa bãi.""",
        reporter="Dương Văn Khải",
        state="in_progress", situation="at_risk", age_hours=10,
        make_public=True,
        agency_response=(
            "UBND phường Lý Văn Lâm đã giao tổ quản lý trật tự đô thị kiểm tra; phường sẽ tổ chức "
            "dọn dẹp trong ngày và cắm biển cấm đổ rác."
        ),
    ),
    _sample(
        "mat-dien-cang-ca-song-doc", "dien-chieu-sang", "Xã Sông Đốc", "Khu vực cảng cá Sông Đốc",
        "Mất điện kéo dài ở khu cảng cá",
        """Khu vực cảng cá mất điện từ sáng hôm qua đến giờ vẫn chưa có lại. Các vựa cá và nhà máy
        nước đá không hoạt động được, hải sản của bà con có nguy cơ hư hỏng. Đề nghị ngành điện
        khẩn trương khắc phục.""",
        reporter="Lý Văn Sang", urgent=True,
        state="in_progress", situation="overdue", age_hours=40,
        make_public=True,
        agency_response=(
            "Sở Công Thương đã đề nghị Công ty Điện lực Cà Mau khẩn trương khắc phục; nguyên nhân "
            "ban đầu do sự cố máy biến áp, dự kiến có điện lại trong chiều nay."
        ),
    ),
    _sample(
        "phong-hoc-dot-khanh-an", "giao-duc", "Xã Khánh An", "Điểm trường ấp 7",
        "Phòng học dột nặng, trần bong tróc",
        """Hai phòng học của điểm trường bị dột nặng, hễ mưa là nước chảy xuống bàn học, trần nhà
        bong tróc từng mảng. Các cháu phải dồn sang một bên lớp để học. Đề nghị ngành giáo dục
        sớm sửa chữa trước mùa mưa lớn.""",
        reporter="Thạch Thị Mỹ Hạnh",
        state="in_progress", situation="on_time", age_hours=50,
        agency_response=(
            "Sở Giáo dục và Đào tạo đã phối hợp UBND xã Khánh An khảo sát hiện trạng, bố trí kinh "
            "phí sửa chữa mái và trần hai phòng học trong tháng này."
        ),
    ),
    _sample(
        "khoi-rung-tram-nguyen-phich", "thien-tai", "Xã Nguyễn Phích", "Ven rừng tràm ấp 9",
        "Phát hiện khói lớn trong rừng tràm",
        """Khoảng 30 phút trước tôi thấy cột khói lớn bốc lên trong rừng tràm phía sau nhà, gió
        đang thổi mạnh về hướng khu dân cư. Trời nắng nóng nhiều ngày, lớp than bùn rất khô. Đề
        nghị lực lượng kiểm lâm đến gấp.""",
        reporter="Danh Hoàng Phúc", urgent=True,
        state="in_progress", situation="on_time", age_hours=2.5,
        agency_response=(
            "Chi cục Kiểm lâm (Sở Nông nghiệp và Môi trường) đã điều lực lượng chữa cháy rừng đến "
            "hiện trường, phối hợp dân quân xã khoanh vùng đám cháy."
        ),
    ),
    # ------------------------------------------------------------------ resolved
    _sample(
        "mat-nuoc-hoa-thanh", "cap-thoat-nuoc", "Phường Hòa Thành", "Khóm 6",
        "Mất nước sinh hoạt ba ngày liền",
        """Khu dân cư khóm 6 bị mất nước máy ba ngày nay mà không có thông báo trước. Gần 100 hộ
        phải mua nước bình để nấu ăn. Xin cho biết nguyên nhân và khi nào có nước lại.""",
        reporter="Mai Thị Thanh Tâm",
        state="resolved", situation="at_risk", age_hours=26,
        agency_response=(
            "Đã làm việc với đơn vị cấp nước: nguyên nhân do đường ống chính bị vỡ khi thi công "
            "công trình thoát nước."
        ),
        result_text=(
            "Đơn vị cấp nước đã sửa xong đoạn ống bị vỡ, cấp nước trở lại bình thường từ 16 giờ "
            "hôm nay. Trong thời gian sửa chữa đã bố trí xe chở nước miễn phí cho người dân."
        ),
    ),
    _sample(
        "do-hoc-sinh-khong-ao-phao-tan-an", "giao-thong", "Xã Tân Ân", "Bến đò ấp 3",
        "Đò chở học sinh không có áo phao",
        """Chiếc đò ngang đưa học sinh qua sông mỗi sáng thường chở quá đông, trên đò không có áo
        phao. Sông rộng, nước chảy xiết, phụ huynh rất lo. Đề nghị kiểm tra bến đò này.""",
        reporter="Cao Văn Thắng",
        state="resolved", situation="on_time", age_hours=48,
        result_text=(
            "Sở Xây dựng phối hợp Công an xã Tân Ân kiểm tra bến đò, lập biên bản chủ đò; chủ đò đã "
            "trang bị đủ 20 áo phao và cam kết chở đúng số người cho phép."
        ),
    ),
    _sample(
        "mat-nap-cong-hiep-thanh", "ha-tang-do-thi", "Phường Hiệp Thành", "Khóm 2",
        "Mất nắp hố ga giữa vỉa hè",
        """Hố ga trên vỉa hè trước tiệm tạp hóa bị mất nắp, miệng hố rộng khoảng nửa mét. Buổi tối
        không có đèn, người đi bộ rất dễ sụp chân.""",
        reporter=None,
        state="resolved", situation="overdue", age_hours=60,
        agency_response="Sở Xây dựng đã ghi nhận, giao đơn vị quản lý hạ tầng kiểm tra.",
        result_text="Đã lắp nắp hố ga mới bằng bê tông cốt thép và rào chắn trong lúc chờ bê tông khô.",
    ),
    _sample(
        "trom-cho-vinh-loi", "an-ninh-trat-tu", "Xã Vĩnh Lợi", "Ấp 5",
        "Trộm chó hoành hành ban đêm",
        """Gần đây trong ấp liên tục mất chó, có đêm mất ba con. Bọn trộm đi xe máy, dùng súng điện
        và mang theo hung khí nên người dân không dám ra ngăn.""",
        reporter=None,
        state="resolved", situation="on_time", age_hours=72,
        agency_response="Công an tỉnh đã chỉ đạo Công an xã Vĩnh Lợi xác minh, tăng cường tuần tra.",
        result_text=(
            "Công an xã Vĩnh Lợi đã bắt quả tang hai đối tượng trộm chó, thu giữ súng điện và xe "
            "máy, chuyển hồ sơ để xử lý theo quy định."
        ),
    ),
    # ------------------------------------------------------------------ published
    _sample(
        "den-duong-tat-tan-thanh", "dien-chieu-sang", "Phường Tân Thành", "Đường Lý Thường Kiệt",
        "Cả dãy đèn đường không sáng",
        """Khoảng 10 trụ đèn chiếu sáng trên đường đã tắt gần hai tuần nay. Buổi tối đường rất tối,
        học sinh đi học thêm về khuya rất nguy hiểm.""",
        reporter="Bùi Thanh Tùng",
        state="published", situation="on_time", age_hours=70,
        agency_response=(
            "Sở Công Thương đã phối hợp đơn vị quản lý chiếu sáng công cộng kiểm tra hiện trường."
        ),
        result_text=(
            "Đã thay bộ điều khiển tủ điện chiếu sáng bị hỏng do nước mưa; toàn bộ 10 đèn trên "
            "tuyến đã sáng lại."
        ),
        rating=5, rating_comment="Xử lý nhanh, cảm ơn các anh.",
    ),
    _sample(
        "plastic-waste-dat-mui", "ve-sinh-moi-truong", "Xã Đất Mũi", "Khu du lịch Mũi Cà Mau",
        "Lots of plastic waste near the Cape Ca Mau landmark",
        """We visited the Ca Mau Cape landmark today. The mangrove path behind the GPS 0001
        monument has a lot of plastic bottles and food boxes, and the bins near the boardwalk are
        overflowing. It spoils a beautiful place; more bins and more frequent collection would help.""",
        reporter="Liam O'Connor", share=False, language="en",
        state="published", situation="on_time", age_hours=96,
        agency_response="UBND xã Đất Mũi đã tiếp nhận và cử tổ vệ sinh môi trường kiểm tra.",
        result_text=(
            "UBND xã Đất Mũi đã thu gom rác dọc lối đi trong rừng đước, bổ sung 6 thùng rác và "
            "tăng thu gom lên 2 lần mỗi ngày vào cuối tuần. / Dat Mui commune has cleaned the "
            "mangrove path, added 6 bins and now collects twice a day at weekends."
        ),
        rating=4, rating_comment="Much better now, thank you!",
    ),
    _sample(
        "cau-go-muc-u-minh", "giao-thong", "Xã U Minh", "Ấp 10",
        "Cầu gỗ mục nát, học sinh qua lại nguy hiểm",
        """Cây cầu gỗ bắc qua kênh đã mục nhiều tấm ván, tay vịn bị gãy một bên. Mỗi ngày hàng chục
        học sinh phải đi qua cầu để đến trường. Xin chính quyền sửa chữa hoặc làm cầu bê tông.""",
        reporter="Kiều Văn Lực",
        state="published", situation="overdue", age_hours=190,
        agency_response="Sở Xây dựng đã phối hợp UBND xã U Minh khảo sát cây cầu.",
        result_text=(
            "Đã thay toàn bộ ván mặt cầu và tay vịn; cầu bê tông đã được đưa vào danh mục đề xuất "
            "đầu tư năm tới."
        ),
        rating=3, rating_comment="Sửa được nhưng chậm, gần một tuần mới có người xuống.",
    ),
    _sample(
        "tram-y-te-dong-cua-phuoc-long", "y-te", "Xã Phước Long", "Trạm y tế xã",
        "Trạm y tế không có người trực buổi trưa",
        """Trưa hôm qua tôi đưa cháu bị sốt cao đến trạm y tế nhưng cửa đóng, gọi số điện thoại dán
        ở cửa không ai nghe. Phải chạy thêm gần 15 cây số lên trung tâm y tế. Mong trạm bố trí
        người trực buổi trưa và ngoài giờ.""",
        reporter="Hà Thị Ngọc Trâm",
        state="published", situation="at_risk", age_hours=80,
        agency_response="Sở Y tế đã tiếp nhận, yêu cầu trạm y tế giải trình.",
        result_text=(
            "Sở Y tế đã kiểm tra, nhắc nhở trạm y tế; từ tuần này trạm bố trí lịch trực 24/24 và "
            "niêm yết số điện thoại trực."
        ),
        rating=2, rating_comment="Trả lời chung chung, tối qua gọi số trực vẫn không ai nghe.",
    ),
    _sample(
        "nuoc-may-nhiem-man-dam-doi", "cap-thoat-nuoc", "Xã Đầm Dơi", "Ấp 8",
        "Nước máy bị mặn, có mùi lạ",
        """Khoảng năm ngày nay nước máy ở ấp có vị mặn và mùi lạ, nấu cơm bị vàng. Nhiều hộ phải
        mua nước bình để uống. Đề nghị kiểm tra chất lượng nước của trạm cấp nước.""",
        reporter="Lưu Văn Hòa",
        state="published", situation="on_time", age_hours=120,
        agency_response="Đã lấy mẫu nước gửi kiểm nghiệm.",
        result_text=(
            "Kết quả kiểm nghiệm cho thấy độ mặn vượt ngưỡng do một giếng khoan bị nhiễm mặn. Trạm "
            "cấp nước đã ngưng giếng này, chuyển sang giếng dự phòng; mẫu kiểm tra lại đạt quy chuẩn."
        ),
    ),
    _sample(
        "tay-chan-mieng-vinh-trach", "dich-benh", "Phường Vĩnh Trạch", "Khóm 1",
        "Nhiều bé ở trường mầm non mắc tay chân miệng",
        """Lớp mầm non của con tôi trong tuần có năm bé bị tay chân miệng nhưng nhà trường vẫn cho
        học bình thường. Phụ huynh lo dịch lây lan, đề nghị ngành y tế kiểm tra và hướng dẫn.""",
        reporter="Châu Ngọc Diễm",
        state="published", situation="on_time", age_hours=100,
        agency_response="Sở Y tế đã giao Trung tâm Kiểm soát bệnh tật tỉnh xác minh.",
        result_text=(
            "Trung tâm Kiểm soát bệnh tật tỉnh đã phối hợp nhà trường khử khuẩn toàn bộ lớp học, đồ "
            "chơi; lớp có ca bệnh tạm nghỉ 10 ngày và phụ huynh được hướng dẫn theo dõi trẻ tại nhà."
        ),
        rating=4, rating_comment=None,
    ),
    _sample(
        "lan-chiem-kenh-hoa-binh", "vi-pham-phap-luat", "Xã Hòa Bình", "Ven kênh xáng Cà Mau – Bạc Liêu",
        "Lấn chiếm hành lang kênh để cất nhà",
        """Một số hộ đổ đất, đóng cừ lấn ra lòng kênh khoảng 5 mét để cất nhà, làm hẹp dòng chảy.
        Ghe xuồng qua lại khó khăn, mùa mưa nước thoát chậm.""",
        reporter=None,
        state="published", situation="at_risk", age_hours=150,
        agency_response="Công an tỉnh đã chuyển thông tin, phối hợp UBND xã Hòa Bình kiểm tra.",
        result_text=(
            "UBND xã Hòa Bình đã lập biên bản vi phạm, yêu cầu các hộ tháo dỡ phần lấn chiếm trong "
            "30 ngày; hai hộ đã tự tháo dỡ."
        ),
    ),
    _sample(
        "loc-toc-mai-dong-hai", "thien-tai", "Xã Đông Hải", "Ấp 3",
        "Giông lốc làm tốc mái nhiều nhà",
        """Cơn lốc chiều qua làm tốc mái năm căn nhà và ngã nhiều cây trong ấp, một người bị thương
        nhẹ. Các hộ đang phải che bạt tạm. Đề nghị chính quyền thống kê thiệt hại và hỗ trợ.""",
        reporter="Phan Văn Đức",
        state="published", situation="overdue", age_hours=110,
        agency_response="Sở Nông nghiệp và Môi trường đã phối hợp UBND xã Đông Hải thống kê thiệt hại.",
        result_text=(
            "Năm hộ bị thiệt hại đã được hỗ trợ từ quỹ phòng, chống thiên tai, mỗi hộ 3 triệu đồng; "
            "dân quân xã đã giúp lợp lại mái nhà."
        ),
        rating=5, rating_comment="Cảm ơn xã và các anh dân quân đã giúp bà con.",
    ),
    # ------------------------------------------------------------------ closed
    _sample(
        "bai-rac-tu-phat-cai-nuoc", "ve-sinh-moi-truong", "Xã Cái Nước", "Khu vực chợ Cái Nước",
        "Bãi rác tự phát cạnh chợ",
        """Bãi đất trống cạnh chợ đã thành bãi rác tự phát, rác chất cao hơn nửa mét, bốc mùi và
        tràn xuống kênh. Chiều nào cũng có người đến đổ thêm.""",
        reporter="Nguyễn Thị Bé Năm",
        state="closed", situation="on_time", age_hours=400,
        agency_response="UBND xã Cái Nước đã kiểm tra hiện trường.",
        result_text=(
            "Đã dọn sạch bãi rác tự phát, hợp đồng thu gom rác hằng ngày với ban quản lý chợ và cắm "
            "biển cấm đổ rác."
        ),
        rating=4, rating_comment="Đã sạch sẽ, mong duy trì thường xuyên.",
    ),
    _sample(
        "gop-y-mot-cua-thu-bay", "gop-y", "Phường Bạc Liêu", "Trung tâm Phục vụ hành chính công",
        "Đề xuất nhận hồ sơ vào sáng thứ bảy",
        """Nhiều người làm công nhân, buôn bán không thể nghỉ ngày thường để đi làm giấy tờ. Tôi đề
        xuất bộ phận một cửa nhận hồ sơ thêm vào sáng thứ bảy, ít nhất là các thủ tục thường gặp.""",
        reporter="Trịnh Minh Khoa",
        state="closed", situation="on_time", age_hours=500,
        agency_response="Văn phòng UBND tỉnh ghi nhận và tổng hợp báo cáo UBND tỉnh.",
        result_text=(
            "UBND tỉnh đã giao Văn phòng UBND tỉnh nghiên cứu thí điểm tiếp nhận hồ sơ sáng thứ bảy "
            "tại Trung tâm Phục vụ hành chính công tỉnh. Cảm ơn ông đã đóng góp ý kiến."
        ),
        rating=5, rating_comment="Rất hoan nghênh.",
    ),
    _sample(
        "trieu-cuong-phan-ngoc-hien", "thoi-tiet", "Xã Phan Ngọc Hiển", "Ấp 4",
        "Triều cường tràn bờ bao vào khu dân cư",
        """Đợt triều cường rằm tháng này nước dâng cao vượt bờ bao, tràn vào nhà dân và ao tôm.
        Một đoạn bờ bao khoảng 20 mét đã bị xói, nếu không gia cố kịp thì con nước tới sẽ ngập
        nặng hơn.""",
        reporter="Tăng Văn Lộc",
        state="closed", situation="at_risk", age_hours=360,
        agency_response="Sở Nông nghiệp và Môi trường đã phối hợp UBND xã kiểm tra bờ bao.",
        result_text=(
            "Đã gia cố tạm đoạn bờ bao bị xói bằng bao cát và cừ tràm trước đợt triều cường kế "
            "tiếp; đoạn bờ bao được đưa vào kế hoạch nâng cấp."
        ),
        rating=4, rating_comment=None,
    ),
    _sample(
        "nuoc-thai-trai-heo-vinh-hau", "ve-sinh-moi-truong", "Xã Vĩnh Hậu", "Ấp 15",
        "Nước thải trại heo xả thẳng ra kênh",
        """Trại heo gần nhà tôi xả nước thải thẳng ra kênh, mùi hôi nồng nặc nhất là buổi chiều.
        Nước kênh đổi màu, bà con không dám dùng để tưới rau.""",
        reporter="Ngô Thị Xuân",
        state="closed", situation="overdue", age_hours=600,
        agency_response="UBND xã Vĩnh Hậu đã kiểm tra, yêu cầu chủ trại khắc phục.",
        result_text=(
            "Chủ trại đã bị xử phạt vi phạm hành chính và cam kết xây hầm biogas, bể lắng trong "
            "30 ngày."
        ),
        rating=1, rating_comment="Đã hơn một tháng, kênh vẫn còn hôi.",
    ),
    # ------------------------------------------------------------------ rejected
    _sample(
        "khieu-nai-boi-thuong-thoi-binh", "khac", "Xã Thới Bình", "Ấp 5",
        "Khiếu nại mức bồi thường khi thu hồi đất",
        """Năm 2023 nhà tôi bị thu hồi 500 mét vuông đất làm đường nhưng mức bồi thường quá thấp so
        với giá thị trường. Tôi đã gửi đơn lên xã nhiều lần nhưng chưa được giải quyết thỏa đáng.
        Đề nghị tỉnh xem xét lại quyết định bồi thường.""",
        reporter="Diệp Văn Hùng",
        state="rejected", situation="on_time", age_hours=30,
        reject_reason=REJECT_REASONS["khieu-nai"].text_vi,
    ),
    _sample(
        "to-cao-can-bo-ap-da-bac", "vi-pham-phap-luat", "Xã Đá Bạc", "Ấp 2",
        "Tố cáo cán bộ ấp nhận tiền khi xét hộ nghèo",
        """Tôi tố cáo cán bộ ấp nhận tiền của một số hộ để đưa vào danh sách hộ nghèo, trong khi
        các hộ khó khăn thật sự lại không được xét. Tôi có thể cung cấp tên những người đã đưa
        tiền.""",
        reporter=None,
        state="rejected", situation="at_risk", age_hours=12,
        reject_reason=REJECT_REASONS["to-cao"].text_vi,
    ),
    _sample(
        "thu-tuc-so-do-vinh-trach", "khac", "Phường Vĩnh Trạch", "Khóm 3",
        "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất bị trễ hẹn",
        """Tôi nộp hồ sơ cấp giấy chứng nhận quyền sử dụng đất từ ba tháng trước, giấy hẹn đã quá
        hơn một tháng mà vẫn chưa có kết quả. Hỏi thì chỉ được trả lời là đang xử lý.""",
        reporter="Tạ Thị Kiều Oanh",
        state="rejected", situation="overdue", age_hours=40,
        reject_reason=REJECT_REASONS["thu-tuc-hanh-chinh"].text_vi,
    ),
    _sample(
        "quang-cao-cho-vay-hoa-thanh", "khac", "Phường Hòa Thành", "Không rõ",
        "Cho vay nhanh không cần thế chấp",
        """Cho vay tiêu dùng nhanh trong ngày, không cần thế chấp, lãi suất thấp. Chỉ cần căn cước
        công dân, giải ngân trong 30 phút. Liên hệ ngay để được hỗ trợ.""",
        reporter=None,
        state="rejected", situation="on_time", age_hours=8,
        reject_reason=REJECT_REASONS["khong-phu-hop"].text_vi,
    ),
    # ------------------------------------------------------------------ merged
    _sample(
        "sot-xuat-huyet-an-xuyen-trung", "dich-benh", "Phường An Xuyên", "Khóm 3",
        "Muỗi nhiều, hàng xóm bị sốt xuất huyết",
        """Nhà kế bên có cháu bị sốt xuất huyết phải nằm viện, muỗi trong xóm rất nhiều cả ban ngày.
        Xin cho người về phun thuốc.""",
        reporter=None,
        state="merged", situation="on_time", age_hours=1.2,
        merged_into="sot-xuat-huyet-an-xuyen",
    ),
    _sample(
        "ngap-truoc-truong-tan-thanh-trung", "cap-thoat-nuoc", "Phường Tân Thành", "Khóm 5",
        "Ngập nước trước cổng trường tiểu học",
        """Mưa xong là trước cổng trường ngập tới bánh xe, học sinh phải lội nước vào lớp. Cống
        thoát nước bị nghẹt lâu rồi.""",
        reporter="Võ Hoàng Yến", share=False,
        state="merged", situation="on_time", age_hours=1.0,
        merged_into="ngap-cong-nghet-tan-thanh",
    ),
    _sample(
        "mat-dien-song-doc-trung", "dien-chieu-sang", "Xã Sông Đốc", "Khu vực chợ Sông Đốc",
        "Cúp điện cả ngày, vựa cá không có nước đá",
        """Từ sáng hôm qua khu vựa cá mất điện, nhà máy nước đá phải ngưng chạy, cá tôm mua vào
        phải bán đổ bán tháo. Đề nghị điện lực cho biết khi nào có điện lại.""",
        reporter="Lê Văn Thành",
        state="merged", situation="overdue", age_hours=30,
        merged_into="mat-dien-cang-ca-song-doc",
    ),
]

SAMPLE_BY_REF: dict[str, SampleReport] = {s.ref: s for s in SAMPLE_REPORTS}
