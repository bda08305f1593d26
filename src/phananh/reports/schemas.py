"""The REST contract of ARCHITECTURE §6: request bodies and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from phananh.workflow import Action

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class ReporterIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None


class ReportSubmit(BaseModel):
    """Body of POST /api/v1/reports (JSON, or the `report` part of a multipart request)."""

    model_config = ConfigDict(extra="ignore")
    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    description: Text
    title: ShortText | None = None
    location: Location | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    area: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    reporter: ReporterIn | None = None
    anonymous: bool = False
    share_identity_with_agency: bool = False
    consent: bool = False
    urgent_hint: bool = False
    language: Literal["vi", "en"] = "vi"
    visibility: Literal["public", "private"] = "public"
    # Set by staff entering a report for a caller (hotline); ignored for others.
    channel: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None

    @model_validator(mode="after")
    def _where_and_who(self):
        if not (self.location or self.address or self.area):
            raise ValueError("location, address or area is required")
        return self


class AssignBody(BaseModel):
    agency: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    note: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class ReasonBody(BaseModel):
    reason: Text


class MergeBody(BaseModel):
    into: int | Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class RespondBody(BaseModel):
    message: Text


class ResolveBody(BaseModel):
    result: Text


class PublishBody(BaseModel):
    public_text: Text | None = None


class RateBody(BaseModel):
    score: int = Field(ge=1, le=5, strict=True)
    comment: Annotated[str, StringConstraints(max_length=2_000)] | None = None


class EmptyBody(BaseModel):
    pass


class FlagBody(BaseModel):
    reason: Annotated[str, StringConstraints(max_length=2_000)] | None = None


class ContactBody(BaseModel):
    contact: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    channel: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    outcome: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000)]


class DelegateBody(BaseModel):
    user: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CommentBody(BaseModel):
    text: Text
    public: bool = False


class PhotoBox(BaseModel):
    """A rectangle to blur, in pixels of the original photo."""

    x: int = Field(ge=0, le=100_000)
    y: int = Field(ge=0, le=100_000)
    w: int = Field(ge=1, le=100_000)
    h: int = Field(ge=1, le=100_000)


class MediaRedaction(BaseModel):
    id: int = Field(ge=1, le=2**62)
    boxes: list[PhotoBox] = Field(default_factory=list, max_length=100)
    hide_auto: list[int] = Field(default_factory=list, max_length=100)  # automatic boxes to undo, by index


class RedactBody(BaseModel):
    """The public view as the dispatcher leaves it; fields not given stay as they are."""

    model_config = ConfigDict(extra="forbid")
    public_title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    public_description: Text | None = None
    public_address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    # A position pinned by the dispatcher, or null for none; `position` instead picks one from the citizen's.
    public_location: Location | None = None
    position: Literal["exact", "snapped", "hidden"] | None = None
    media: list[MediaRedaction] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _one_position(self):
        if "public_location" in self.model_fields_set and self.position is not None:
            raise ValueError("give public_location or position, not both")
        return self


class ReclassifyBody(BaseModel):
    """A report filed under the wrong subject area moves to another (issue 14); the reason stays internal."""

    category: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    reason: Text | None = None


ACTION_BODIES: dict[Action, type[BaseModel]] = {  # every action but submit
    Action.assign: AssignBody,
    Action.reject: ReasonBody,
    Action.merge: MergeBody,
    Action.return_: ReasonBody,
    Action.respond: RespondBody,
    Action.resolve: ResolveBody,
    Action.rework: ReasonBody,
    Action.publish: PublishBody,
    Action.rate: RateBody,
    Action.reopen: ReasonBody,
    Action.close: EmptyBody,
    Action.flag_urgent: FlagBody,
    Action.unflag_urgent: FlagBody,
    Action.log_contact: ContactBody,
    Action.delegate: DelegateBody,
    Action.comment: CommentBody,
    Action.make_public: EmptyBody,
    Action.redact: RedactBody,
    Action.reclassify: ReclassifyBody,
}


# ---- responses (for the OpenAPI schema; the service returns plain dicts of this shape) ----


class Deadline(BaseModel):
    stage: str
    started_at: datetime
    due_at: datetime
    overdue: bool
    at_risk: bool


class Rating(BaseModel):
    score: int
    comment: str | None = None


class Reporter(BaseModel):
    name: str | None = None
    phone: str | None = None
    email: str | None = None


class MediaOut(BaseModel):
    id: int
    kind: str
    content_type: str
    purpose: str
    url: str
    # Photos: "processing" until the public copy (no metadata, faces and plates blurred) is made, then "ready";
    # "failed" (staff see it) when it could not be made.
    status: Literal["processing", "ready", "failed"] | None = None
    original_url: str | None = None  # staff only: the photo or video as received; each read is logged


class PublicView(BaseModel):
    title: str
    description: str | None
    address: str | None
    location: Location | None
    since: datetime | None  # when the Portal reviewed it; None: not public yet


class ReportOut(BaseModel):
    id: int
    code: str
    status: str
    category: str
    agency: str | None
    area: str | None
    urgent: bool
    urgent_hint: bool
    title: str
    description: str
    location: Location | None
    address: str | None
    language: str
    channel: str
    visibility: str
    anonymous: bool
    created_at: datetime
    updated_at: datetime
    deadlines: list[Deadline]
    public_response: str | None
    result: str | None
    rating: Rating | None
    reject_reason: str | None
    merged_into: int | None
    media: list[MediaOut]
    reporter: Reporter | None = None
    handler: str | None = None
    tracking_token: str | None = None
    public_view: PublicView | None = None  # staff only: what the public sees, once reviewed or redacted


class SubmitOut(ReportOut):
    tracking_token: str
    tracking_code: str | None = None  # the same code grouped for people to read and type: 7KQ4-M2XD-9PRT


class ReportList(BaseModel):
    items: list[ReportOut]
    total: int
    page: int
    page_size: int
    # Set when a text search (`q`) matched more than `total` (1,000) reports: refine it to see the rest.
    total_capped: bool | None = None


class EventActor(BaseModel):
    role: str
    agency: str | None = None  # the acting staff member's agency name
    username: str | None = None  # staff viewers only


class EventOut(BaseModel):
    id: int
    action: str
    from_status: str | None
    to_status: str
    actor: EventActor
    at: datetime
    payload: dict


class EventList(BaseModel):
    items: list[EventOut]
    total: int
    page: int
    page_size: int


class TrackOut(ReportOut):
    events: list[EventOut]


class TrackLookup(BaseModel):
    """Follow a report without its tracking code: its public code and the last 4 digits of the phone given with it."""

    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    phone_last4: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{4}$")]
