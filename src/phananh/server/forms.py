"""Form bodies read with limits: files spooled to disk past 1 MB (Starlette's SpooledTemporaryFile) and refused
while they stream in once past the per-file cap, so no part is ever held beyond its limit."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from phananh.errors import ApiError, DomainError

TEXT_PART_BYTES = 256 * 1024  # a text field (the submit's `report` JSON part included)


class _FileTooLarge(MultiPartException):
    def __init__(self, filename: str):
        super().__init__("file too large")
        self.filename = filename


class _CappedMultiPartParser(MultiPartParser):
    """Starlette's parser, with a byte count per file part (its `max_part_size` applies to text fields only)."""

    def __init__(self, *args, max_file_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_file_bytes, self._file_bytes = max_file_bytes, 0

    def on_part_begin(self) -> None:
        super().on_part_begin()
        self._file_bytes = 0

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current_part.file is not None:
            self._file_bytes += end - start
            if self._file_bytes > self.max_file_bytes:
                raise _FileTooLarge(self._current_part.file.filename or self._current_part.field_name)
        super().on_part_data(data, start, end)


async def read_form(request: Request, *, max_files: int, max_file_bytes: int, max_fields: int = 200,
                    max_part_size: int = TEXT_PART_BYTES) -> FormData:
    """The request's form (multipart or urlencoded), kept on the request so that `request.form()` returns it.

    413 `file_too_large` for a file past `max_file_bytes`, 400 `bad_multipart` for a body that cannot be read."""
    if request._form is not None:
        return request._form
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("multipart/form-data"):
            parser = _CappedMultiPartParser(request.headers, request.stream(), max_files=max_files,
                                            max_fields=max_fields, max_part_size=max_part_size,
                                            max_file_bytes=max_file_bytes)
            request._form = await parser.parse()
        else:
            request._form = await request.form(max_files=0, max_fields=max_fields, max_part_size=max_part_size)
    except _FileTooLarge as exc:
        raise ApiError(413, "file_too_large", "The file {name} is larger than the limit of {limit} MB.",
                       name=exc.filename, limit=max_file_bytes // 2**20)
    except DomainError:
        raise
    except Exception as exc:  # Starlette and python-multipart raise several types for bad bodies
        raise ApiError(400, "bad_multipart", "The form data could not be read: {reason}",
                       reason=str(getattr(exc, "detail", None) or exc)[:200])
    return request._form
