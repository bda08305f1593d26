from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from phananh.db import metadata

categories = Table(
    "categories",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name_vi", String(200), nullable=False),
    Column("name_en", String(200), nullable=False),
    Column("hint_vi", Text, nullable=False, default=""),
    Column("hint_en", Text, nullable=False, default=""),
    Column("group_code", String(64), nullable=False, default="khac"),
    Column("keywords", JSON, nullable=False, default=list),
    Column("out_of_scope", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=True),
    # Sensitive: the public position is snapped to the commune (reports/visibility.py).
    Column("sensitive", Boolean, nullable=False, default=False),
)

areas = Table(
    "areas",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("admin_code", String(16)),
    # Migration 0012: an area removed from the province pack is deactivated, never deleted (reports refer to it).
    Column("active", Boolean, nullable=False, default=True),
    # Migration 0013: the area's boundary from the pack, a GeoJSON Polygon or MultiPolygon in lon/lat; NULL: only
    # the centre is known (the commune is then the nearest centre's; phananh.directory.geometry).
    Column("boundary", JSON),
)

agencies = Table(
    "agencies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("parent_id", Integer, ForeignKey("agencies.id")),
    Column("area_id", Integer, ForeignKey("areas.id")),
    Column("phone", String(32)),
    Column("email", String(200)),
    Column("active", Boolean, nullable=False, default=True),
)

routing_rules = Table(
    "routing_rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("category_id", Integer, ForeignKey("categories.id"), nullable=False),
    # NULL area: the rule applies wherever no area-specific rule exists.
    Column("area_id", Integer, ForeignKey("areas.id")),
    Column("agency_id", Integer, ForeignKey("agencies.id"), nullable=False),
    UniqueConstraint("category_id", "area_id", name="uq_routing_rules_category_area"),
)
