"""Who is acting: a signed-in user, an organization's API token, the public, or the operator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from txng.accounts.models import ApiToken, User


@dataclass(frozen=True)
class AgencyScope:
    """What one agency membership lets an officer see: everything (DOST), a sector, or an area."""

    agency_id: int
    kind: str
    sector: str
    unit_code: str | None
    role: str


@dataclass(frozen=True)
class Principal:
    label: str
    user: User | None = None
    token_id: int | None = None
    is_admin: bool = False
    organization_ids: frozenset[int] = frozenset()
    owner_organization_ids: frozenset[int] = frozenset()
    scopes: tuple[AgencyScope, ...] = field(default_factory=tuple)

    @property
    def is_public(self) -> bool:
        return not (self.is_admin or self.organization_ids or self.scopes)

    @property
    def is_dost(self) -> bool:
        return any(scope.kind == "dost" for scope in self.scopes)

    @property
    def sees_everything(self) -> bool:
        return self.is_admin or self.is_dost

    @property
    def is_officer(self) -> bool:
        return bool(self.scopes)

    @property
    def is_inspector(self) -> bool:
        return any(scope.role == "inspector" for scope in self.scopes)

    @property
    def sectors(self) -> frozenset[str]:
        return frozenset(scope.sector for scope in self.scopes if scope.sector)

    @property
    def unit_codes(self) -> frozenset[str]:
        return frozenset(scope.unit_code for scope in self.scopes if scope.unit_code)

    @property
    def can_review(self) -> bool:
        return self.is_admin or any(scope.kind == "dost" and scope.role == "officer" for scope in self.scopes)


PUBLIC = Principal(label="public")
OPERATOR = Principal(label="operator (txng command)", is_admin=True)


def principal_for_user(user: User) -> Principal:
    """Build the principal of a signed-in user from their memberships (two queries)."""
    if not user.is_active:
        return PUBLIC
    memberships = list(user.organization_memberships.values_list("organization_id", "role"))
    scopes = tuple(
        AgencyScope(
            agency_id=agency_id,
            kind=kind,
            sector=sector,
            unit_code=unit_code,
            role=role,
        )
        for agency_id, kind, sector, unit_code, role in user.agency_memberships.values_list(
            "agency_id", "agency__kind", "agency__sector", "agency__administrative_unit_id", "role"
        )
    )
    return Principal(
        label=user.username,
        user=user,
        is_admin=user.is_superuser,
        organization_ids=frozenset(org_id for org_id, _ in memberships),
        owner_organization_ids=frozenset(org_id for org_id, role in memberships if role == "owner"),
        scopes=scopes,
    )


def principal_for_token(token: ApiToken) -> Principal:
    """An API token acts for its one organization, never as a person."""
    return Principal(
        label=f"token:{token.prefix}",
        token_id=token.pk,
        organization_ids=frozenset({token.organization_id}),
    )


def principal_for_request(request: object) -> Principal:
    """The principal of a Django request, cached on it."""
    cached = getattr(request, "_txng_principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    user = getattr(request, "user", None)
    principal = principal_for_user(user) if user is not None and user.is_authenticated else PUBLIC
    request._txng_principal = principal  # type: ignore[attr-defined]
    return principal
