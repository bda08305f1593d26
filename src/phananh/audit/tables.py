"""The sealed chain: blocks, the hash of every sealed event, and the record of verifications. Append-only."""

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, Integer, String, Table

from phananh.db import UtcDateTime, metadata

Id = BigInteger().with_variant(Integer, "sqlite")

# Block n+1 names block n's hash: the primary key (ids follow each other) and the unique prev_hash keep two
# sealers from forking the chain even if they were not serialised by the lock.
audit_blocks = Table(
    "audit_blocks",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=False),
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("first_event_id", Id, nullable=False),
    Column("last_event_id", Id, nullable=False),
    Column("event_count", Integer, nullable=False),
    Column("events_root", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Column("sealed_at", UtcDateTime, nullable=False),
)

# No foreign key to events: a deleted event must leave its sealed hash behind, to be named as missing.
audit_events = Table(
    "audit_events",
    metadata,
    Column("event_id", Id, primary_key=True, autoincrement=False),
    Column("block_id", Id, ForeignKey("audit_blocks.id"), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_verifications = Table(
    "audit_verifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("finished_at", UtcDateTime, nullable=False),
    Column("ok", Boolean, nullable=False),
    # The first problem found: a code, an English message (a msgid) and its parameters.
    Column("problem_code", String(32)),
    Column("problem", JSON),
    Column("head_block_id", Id),
    Column("head_hash", String(64)),
    Column("events_checked", BigInteger, nullable=False, default=0),
    Column("blocks_checked", BigInteger, nullable=False, default=0),
    Column("verified_by", String(100), nullable=False),
)
