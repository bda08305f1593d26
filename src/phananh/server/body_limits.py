"""How large a request body may be, per route: a small table looked up once per request (a dict, then a few
prefixes), so the submit's hot path pays a dictionary lookup.

| route | JSON / form | multipart with files |
|---|---|---|
| sign-in, OTP, MFA, logout, track, notifications (`/api/v1/auth/*`, web sign-in pages) | 64 KB | 64 KB |
| report actions `/api/v1/reports/{id}/actions/*` | 64 KB | files |
| JSON submit `POST /api/v1/reports`, Open311 `POST /open311/v2/requests` | 256 KB | files |
| web forms that carry photos (`/gui-phan-anh`, `/portal/phan-anh/*`, `/agency/phan-anh/*`) | 1 MB | files |
| anything else | 1 MB | 1 MB |

"files" is `max_files_per_report` × `max_video_bytes` + 1 MB of form overhead; each file is further held to its
own cap while it streams in (server.forms), and spooled to disk past 1 MB.
"""

from __future__ import annotations

from phananh.config import Settings

FORM_OVERHEAD = 1024 * 1024


class BodyLimits:
    def __init__(self, settings: Settings):
        small, submit, default = (settings.max_small_body_bytes, settings.max_json_submit_bytes,
                                  settings.max_default_body_bytes)
        files = settings.max_files_per_report * settings.max_video_bytes + FORM_OVERHEAD
        self.default = (default, default)
        self.exact: dict[str, tuple[int, int]] = {
            "/api/v1/reports": (submit, files),
            "/api/v1/track": (small, small),
            "/open311/v2/requests": (submit, files),
            "/open311/v2/requests.json": (submit, files),
            "/open311/v2/requests.xml": (submit, files),
            "/gui-phan-anh": (default, files),
            "/dang-nhap": (small, small),
            "/dang-xuat": (small, small),
            "/dang-nhap-cong-dan": (small, small),
            "/dang-nhap-cong-dan/xac-thuc": (small, small),
        }
        self.prefixes: tuple[tuple[str, tuple[int, int]], ...] = (
            ("/api/v1/auth/", (small, small)),
            ("/api/v1/notifications", (small, small)),
            ("/api/v1/reports/", (small, files)),
            ("/portal/phan-anh/", (default, files)),
            ("/agency/phan-anh/", (default, files)),
        )
        self.largest = max(files, submit, default)

    def cap(self, path: str, content_type: bytes) -> int:
        """The most bytes a body to `path` may have; multipart bodies get the route's file allowance."""
        caps = self.exact.get(path)
        if caps is None:
            caps = next((c for prefix, c in self.prefixes if path.startswith(prefix)), self.default)
        return caps[1] if content_type.startswith(b"multipart/form-data") else caps[0]
