"""The canonical form of events and blocks, and their hashes (pure; no I/O).

Written so that a third party can re-implement it from this docstring alone.

**Event hash** — SHA-256 (lowercase hex) of the UTF-8 bytes of this JSON object, one per `events` row:

    {"action": str, "actor_role": str, "actor_user_id": int|null, "actor_username": str|null,
     "agency_id": int|null, "at": "YYYY-MM-DDTHH:MM:SS.ffffffZ", "from_status": str|null, "id": int,
     "payload": object, "public": true|false, "report_id": int, "to_status": str}

serialised with keys sorted (at every depth, by code point), no whitespace (`,` and `:` separators),
non-ASCII characters written as themselves (not `\\uXXXX`), and the JSON escapes of Python's `json.dumps`
(`\\"`, `\\\\`, `\\n`, `\\r`, `\\t`, `\\b`, `\\f`, other control characters as `\\u00xx`). `at` is the event's
instant in UTC with exactly six fractional digits and a `Z`. Numbers inside the payload are written as
Python writes them (integers as digits; floats as the shortest repr that reads back, e.g. `9.18`, `1e-07`).
This equals `json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`.

**Events root** of a block — SHA-256 (hex) of the concatenated 32-byte digests of its events' hashes,
in ascending event id.

**Block hash** — SHA-256 (hex) of the same JSON serialisation of
`{"event_count", "events_root", "first_event_id", "id", "last_event_id", "prev_hash", "sealed_at"}`, where
`prev_hash` is the previous block's hash (64 zeros for block 1) and `sealed_at` is formatted like `at`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone

GENESIS = "0" * 64
# The columns of `events` that an event hash covers (a test keeps this in step with the table).
EVENT_FIELDS = ("id", "report_id", "action", "from_status", "to_status", "actor_role", "actor_user_id",
                "actor_username", "agency_id", "at", "public", "payload")


_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# The string encoder that json.dumps(..., ensure_ascii=False) uses (the C one when present: the module
# binds encode_basestring to c_encode_basestring or py_encode_basestring).
_encode_string = json.encoder.encode_basestring


def utc_iso(moment: datetime) -> str:
    if moment.tzinfo is not timezone.utc:
        moment = moment.astimezone(timezone.utc)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_json(doc: Mapping) -> bytes:
    return _ENCODER.encode(doc).encode("utf-8")


def event_document(row: Mapping | Sequence) -> dict:
    """The canonical document of an event row: a mapping by column name, or the values in EVENT_FIELDS order."""
    doc = {name: row[name] for name in EVENT_FIELDS} if isinstance(row, Mapping) else dict(zip(EVENT_FIELDS, row))
    doc["at"] = utc_iso(doc["at"])
    doc["public"] = bool(doc["public"])
    if doc["payload"] is None:
        doc["payload"] = {}
    return doc


def event_hash(row: Mapping | Sequence) -> str:
    """SHA-256 of `canonical_json(event_document(row))`, written out by hand for speed (`verify` reads millions);
    a test holds the two equal."""
    if isinstance(row, Mapping):
        row = [row[name] for name in EVENT_FIELDS]
    (id_, report_id, action, from_status, to_status, actor_role, actor_user_id, actor_username, agency_id, at,
     public, payload) = row
    text = "".join((
        '{"action":', _str(action), ',"actor_role":', _str(actor_role), ',"actor_user_id":', _int(actor_user_id),
        ',"actor_username":', _str(actor_username), ',"agency_id":', _int(agency_id), ',"at":"', utc_iso(at),
        '","from_status":', _str(from_status), ',"id":', _int(id_), ',"payload":',
        _ENCODER.encode(payload) if payload is not None else "{}", ',"public":', "true" if public else "false",
        ',"report_id":', _int(report_id), ',"to_status":', _str(to_status), "}",
    ))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _str(value: str | None) -> str:
    return "null" if value is None else _encode_string(value)


def _int(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


def events_root(hashes: Iterable[str]) -> str:
    h = hashlib.sha256()
    for one in hashes:
        h.update(bytes.fromhex(one))
    return h.hexdigest()


def block_hash(*, id: int, prev_hash: str, first_event_id: int, last_event_id: int, event_count: int,
               events_root: str, sealed_at: datetime) -> str:
    doc = {"id": id, "prev_hash": prev_hash, "first_event_id": first_event_id, "last_event_id": last_event_id,
           "event_count": event_count, "events_root": events_root, "sealed_at": utc_iso(sealed_at)}
    return hashlib.sha256(canonical_json(doc)).hexdigest()
