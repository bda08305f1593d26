"""The staff password policy, one rule for the CLI, the API and the admin pages."""

from __future__ import annotations

from functools import lru_cache

from phananh.domain_errors import InvalidInput

MIN_PASSWORD = 12


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's frequency list (leaked password dumps), lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = FREQUENCY_LISTS["passwords"]
    return frozenset(words.split(",") if isinstance(words, str) else words)


def password_problem(password: str) -> InvalidInput | None:
    """Why `password` may not be a staff password, or None when it may."""
    if len(password) < MIN_PASSWORD:
        return InvalidInput("weak_password", "The password needs at least {n} characters.",
                            details={"field": "password"}, n=MIN_PASSWORD)
    if password.lower() in common_passwords():
        return InvalidInput("common_password", "This password is on a list of common passwords; choose another.",
                            details={"field": "password"})
    return None


def check_password(password: str) -> None:
    """Raise InvalidInput (422 at the edge) unless `password` meets the policy."""
    problem = password_problem(password)
    if problem is not None:
        raise problem
