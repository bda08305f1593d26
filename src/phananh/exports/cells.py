"""Spreadsheet cells that cannot run: one neutraliser for every CSV and XLSX the app writes.

Text from citizens and admins (titles, comments, category and agency names) reaches Excel and LibreOffice,
which run a cell that starts with `=`, `+`, `-` or `@` as a formula, and also one whose formula is hidden
behind a leading TAB, CR or LF. Following OWASP's CSV injection guidance, such text gets a leading
apostrophe, so it shows as text. A plain number written as text (a phone number `+84…`, `-5`) is left alone.
"""

from __future__ import annotations

import re

# OWASP: = + - @ TAB CR; LF and the full-width forms that East Asian spreadsheet input turns into them too
FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def neutralise(value):
    """The value to write in a cell: None becomes "", formula-like text gets a leading `'`, numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_xlsx_row(sheet, row: int, values, cell_format=None, formats: dict | None = None, first_col: int = 0) -> None:
    """One row of an XlsxWriter sheet, each cell typed by hand: text always through `write_string` (never
    a formula, whatever it starts with), numbers through `write_number`, None as a blank cell."""
    for col, value in enumerate(values, start=first_col):
        fmt = (formats or {}).get(col, cell_format)
        if value is None:
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            sheet.write_number(row, col, value, fmt)
        else:
            sheet.write_string(row, col, neutralise(str(value)), fmt)
