"""Partner API keys, what each Open311 request brought with it, and the extra questions of a category."""

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from phananh.db import UtcDateTime, metadata
from phananh.reports.tables import Id

# A key is shown once; only its SHA-256 is kept (keys are 256-bit random, so a fast hash is enough).
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("partner", String(200), nullable=False),
    # ASCII slug of the partner: the report channel is "open311:<slug>" (reports.channel is String(32)).
    Column("partner_slug", String(24), nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("note", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", String(100)),
    Column("last_used_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)

open311_requests = Table(
    "open311_requests",
    metadata,
    Column("report_id", Id, ForeignKey("reports.id"), primary_key=True),
    Column("api_key_id", Integer, ForeignKey("api_keys.id"), nullable=False),
    Column("device_id", String(200)),
    Column("account_id", String(200)),
    Column("media_url", String(1000)),
    Column("attributes", JSON, nullable=False, default=dict),
    Column("created_at", UtcDateTime, nullable=False),
)
Index("ix_open311_requests_key", open311_requests.c.api_key_id)

# GeoReport service definitions: the questions a category asks beyond the description.
category_attributes = Table(
    "category_attributes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("category_id", Integer, ForeignKey("categories.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("datatype", String(16), nullable=False),  # string number datetime text singlevaluelist multivaluelist
    Column("required", Boolean, nullable=False, default=False),
    Column("variable", Boolean, nullable=False, default=True),
    Column("position", Integer, nullable=False, default=1),  # GeoReport `order`
    Column("description_vi", Text, nullable=False),
    Column("description_en", Text, nullable=False),
    Column("datatype_description_vi", Text),
    Column("datatype_description_en", Text),
    # [{"key": "...", "name_vi": "...", "name_en": "..."}] for the list datatypes
    Column("choices", JSON, nullable=False, default=list),
    Column("active", Boolean, nullable=False, default=True),
    UniqueConstraint("category_id", "code", name="uq_category_attributes_category_code"),
)
