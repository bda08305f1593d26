"""GeoReport's two formats: XML (schemaless, no namespace) and JSON by the Spark convention; W3C dates in +07:00."""

from __future__ import annotations

import json
from datetime import datetime
from xml.etree import ElementTree as ET

from fastapi.responses import Response

from phananh.sla.calendar import TZ

FORMATS = ("xml", "json")
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
XML_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'

# The element name of one item of each repeated element.
ITEM = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "media_urls": "media_url",
}


def w3c(moment: datetime | None) -> str | None:
    """2026-12-02T09:15:00+07:00: W3C ISO 8601, in Vietnam's offset, to the second."""
    return moment.astimezone(TZ).isoformat(timespec="seconds") if moment else None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return str(value)


def _fill(parent: ET.Element, name: str, value) -> None:
    el = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(el, key, child)
    elif isinstance(value, list):
        for child in value:
            _fill(el, ITEM[name], child)
    else:
        el.text = _text(value)


def to_xml(root: str, data) -> bytes:
    """`data` is a list (of items named ITEM[root]) or a dict (the root's children in order)."""
    doc = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _fill(doc, ITEM[root], item)
    else:
        for key, value in data.items():
            _fill(doc, key, value)
    return XML_DECLARATION + ET.tostring(doc, encoding="unicode").encode()


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return w3c(value)
    return value


def render(fmt: str, root: str, data, status: int = 200) -> Response:
    if fmt == "json":
        body = json.dumps(_jsonable(data), ensure_ascii=False, separators=(",", ":")).encode()
        return Response(body, status_code=status, media_type=JSON_TYPE)
    return Response(to_xml(root, data), status_code=status, media_type=XML_TYPE)


def error_response(fmt: str, status: int, description: str, code: int | str | None = None) -> Response:
    """The spec's error shape: HTTP 404, 403 or 400 and `errors` with one `error {code, description}`."""
    return render(fmt if fmt in FORMATS else "xml", "errors",
                  [{"code": code if code is not None else status, "description": description}], status)


class Open311Error(Exception):
    """An error for an Open311 client: HTTP status and an English msgid, translated on the way out."""

    def __init__(self, status: int, message: str, **params):
        super().__init__(message)
        self.status, self.message, self.params = status, message, params
