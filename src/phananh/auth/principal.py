from dataclasses import dataclass

from phananh.workflow import Role


@dataclass(frozen=True)
class Principal:
    """The caller of a request, as far as rules need to know."""

    role: Role
    user_id: int | None = None
    username: str | None = None
    agency_id: int | None = None
    area_id: int | None = None
    phone: str | None = None
    # Must enrol a second factor first (PHANANH_MFA_REQUIRED_ROLES): may reach only the enrolment and sign-out.
    mfa_pending: bool = False

    @property
    def signed_in_username(self) -> str:
        """The user's name, on routes only a signed-in user reaches (its absence there is a bug, not bad input)."""
        if self.username is None:
            raise RuntimeError("no signed-in user on a route that requires one")
        return self.username

    @property
    def signed_in_user_id(self) -> int:
        """The user's id, on routes only a signed-in user reaches."""
        if self.user_id is None:
            raise RuntimeError("no signed-in user on a route that requires one")
        return self.user_id

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.dispatcher, Role.handler, Role.agency_leader, Role.supervisor, Role.admin)

    @property
    def is_agency_staff(self) -> bool:
        return self.role in (Role.handler, Role.agency_leader)


ANONYMOUS = Principal(role=Role.anonymous)
