"""Search that understands Vietnamese (issue 14): `q` matches whatever the case and the diacritics.

Each report carries two folded copies of its text, written in Python with the row: `search_text` (title,
description and address as the citizen wrote them, for staff and the reporter) and `public_search_text` (the
public view, for the public), so that the public never finds a report by words the Portal redacted. A query is
folded the same way and matched with LIKE '%…%'; on PostgreSQL a pg_trgm GIN index serves it. Folding in Python
rather than with PostgreSQL's `unaccent` gives one rule on both databases (`unaccent` leaves SQLite out, and its
dictionary is not immutable, so it cannot back an index without a wrapper).
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
SEARCH_FIELDS = ("title", "description", "address")
PUBLIC_SEARCH_FIELDS = ("public_title", "public_description", "public_address")


class _Bare(dict):
    """`str.translate`'s table for a decomposed text: combining marks dropped, control characters (NUL included,
    which PostgreSQL text refuses) made spaces, anything else kept. Filled as characters are met; only the first
    planes are remembered, so odd input cannot grow it without bound."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        value = "" if unicodedata.combining(ch) else ch if ch.isprintable() else " "
        if code < 0x3400:  # Latin, Vietnamese, combining marks, punctuation, CJK symbols: a few thousand at most
            self[code] = value
        return value


_BARE = _Bare()
# The fast path of Vietnamese text (issue 13: fold was 2 % of a submit's CPU, a Python test per character): the
# marks of the Latin letters go in one regex pass; what is left is usually ASCII, whose only non-printable
# characters are the controls. Anything else takes the table above. Same result either way.
_LATIN_MARKS = re.compile("[" + "".join(chr(c) for c in range(0x300, 0x370) if unicodedata.combining(chr(c))) + "]+")
_ASCII_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_LETTER_PAIRS = (("đ", "d"), ("Đ", "d"), ("ð", "d"), ("ı", "i"))


def fold(text: str | None) -> str:
    """Lower case, without diacritics (đ → d), whitespace collapsed: 'Sạt LỞ  đất' → 'sat lo dat'."""
    if not text:
        return ""
    for letter, base in _LETTER_PAIRS:  # letters whose base is no combining-mark decomposition away
        if letter in text:
            text = text.replace(letter, base)
    bare = _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text))
    # Control characters (NUL included, which PostgreSQL text refuses) become spaces.
    bare = _ASCII_CONTROLS.sub(" ", bare) if bare.isascii() else bare.translate(_BARE)
    return _SPACES.sub(" ", bare.casefold()).strip()


def search_columns(report: dict) -> dict:
    """The two folded columns of a report row (before review the public copy is NULL: nothing is public)."""
    public = None
    if report.get("public_title") is not None:
        public = fold(" \n ".join(report.get(k) or "" for k in PUBLIC_SEARCH_FIELDS))
    return {"search_text": fold(" \n ".join(report.get(k) or "" for k in SEARCH_FIELDS)),
            "public_search_text": public}


def touches_search(changes: dict) -> bool:
    """Whether a change of a report row changes what it is found by."""
    return any(k in changes for k in (*SEARCH_FIELDS, *PUBLIC_SEARCH_FIELDS))


def like_pattern(q: str) -> str | None:
    """The LIKE pattern of a folded query (LIKE's wildcards escaped with '\\'), or None when nothing is left."""
    folded = fold(q)
    if not folded:
        return None
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
