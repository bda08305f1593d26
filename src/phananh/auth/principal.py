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
    def is_staff(self) -> bool:
        return self.role in (Role.dispatcher, Role.handler, Role.agency_leader, Role.supervisor, Role.admin)

    @property
    def is_agency_staff(self) -> bool:
        return self.role in (Role.handler, Role.agency_leader)


ANONYMOUS = Principal(role=Role.anonymous)
