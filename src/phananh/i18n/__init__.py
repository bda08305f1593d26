"""gettext catalogs (vi, en). Source strings are English; Vietnamese is the default language.

Catalogs are read from the .po files with Babel at start-up, so no compile step is needed.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
_LOCALE_DIR = Path(__file__).parent / "locale"
current_language: ContextVar[str] = ContextVar("current_language", default=DEFAULT_LANGUAGE)


@lru_cache
def _catalog(lang: str) -> dict[str, str]:
    path = _LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f, locale=lang)
    return {m.id: m.string for m in catalog if m.id and m.string and isinstance(m.id, str) and isinstance(m.string, str)}


def gettext(message: str, lang: str | None = None, **params) -> str:
    text = _catalog(lang or current_language.get()).get(message, message)
    return text.format(**params) if params else text


_ = gettext


def pick_language(accept_language: str | None, explicit: str | None = None) -> str:
    """The language for a response: an explicit choice, else the first supported in Accept-Language."""
    if explicit in LANGUAGES:
        return explicit
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
