"""Writes for accounts: users, memberships, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from txng.accounts.models import Agency, AgencyMembership, ApiToken, OrganizationMembership, User
from txng.accounts.principal import Principal
from txng.accounts.visibility import can_manage_organization
from txng.core.audit import audit_record
from txng.core.errors import PermissionDenied, ServiceError
from txng.registry.models import Organization

TOKEN_PREFIX = "txng_"  # noqa: S105 - a public prefix, not a secret
# last_used_at is a hint for owners, not a log: writing it on every request would make every API
# call a write transaction.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Principal, organization: Organization, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for an organization; the raw token is returned once and never stored."""
    if not can_manage_organization(actor, organization.pk):
        raise PermissionDenied(_("Only the organization's owner may create API tokens."))
    name = (name or "").strip() or _("API token")
    if len(name) > 100:
        raise ServiceError(_("Too long: at most %(limit)d characters.") % {"limit": 100}, code="too-long", field="name")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=token_digest(raw),
        created_by=actor.user,
    )
    audit_record(actor=actor, action="token.create", obj=token, changes={"name": name, "prefix": token.prefix})
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Principal, token: ApiToken) -> None:
    if not can_manage_organization(actor, token.organization_id):
        raise PermissionDenied(_("Only the organization's owner may revoke API tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", obj=token)


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token with this value, or None; records when it was last used."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("organization")
        .filter(token_hash=token_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def user_create(
    *,
    actor: Principal,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    is_superuser: bool = False,
) -> User:
    """Create a user account (administrators only)."""
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators create accounts."))
    username = username.strip()
    if not username:
        raise ServiceError(_("The username is required."), code="required", field="username")
    if User.objects.filter(username=username).exists():
        raise ServiceError(_("This username is taken."), code="duplicate-username", field="username")
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        is_superuser=is_superuser,
        # Everyone with an account uses the back office; what they see there is scoped by role.
        is_staff=True,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    audit_record(
        actor=actor, action="user.create", obj=user, changes={"username": username, "is_superuser": is_superuser}
    )
    return user


def account_register(*, username: str, password: str, full_name: str = "", email: str = "") -> User:
    """A business user's own account (portal self-registration, or an owner adding a co-worker): never staff
    of the back office, never an administrator; the password must pass the configured validators."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    username = username.strip()
    if not username:
        raise ServiceError(_("The username is required."), code="required", field="username")
    if User.objects.filter(username=username).exists():
        raise ServiceError(_("This username is taken."), code="duplicate-username", field="username")
    user = User(username=username, full_name=full_name, email=email, is_staff=False, is_superuser=False)
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ServiceError(" ".join(error.messages), code="weak-password", field="password") from None
    user.set_password(password)
    user.save()
    audit_record(
        actor=Principal(label="self-registration"), action="user.register", obj=user, changes={"username": username}
    )
    return user


@transaction.atomic
def organization_member_add(
    *, actor: Principal, organization: Organization, user: User, role: str = OrganizationMembership.Role.STAFF
) -> OrganizationMembership:
    if not can_manage_organization(actor, organization.pk):
        raise PermissionDenied(_("Only the organization's owner may add members."))
    if role not in OrganizationMembership.Role.values:
        raise ServiceError(_("Unknown role."), code="invalid-choice", field="role")
    membership, _created = OrganizationMembership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    audit_record(actor=actor, action="membership.set", obj=membership, changes={"user": user.username, "role": role})
    return membership


@transaction.atomic
def agency_member_add(
    *, actor: Principal, agency: Agency, user: User, role: str = AgencyMembership.Role.OFFICER
) -> AgencyMembership:
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators assign officers."))
    if role not in AgencyMembership.Role.values:
        raise ServiceError(_("Unknown role."), code="invalid-choice", field="role")
    membership, _created = AgencyMembership.objects.update_or_create(user=user, agency=agency, defaults={"role": role})
    audit_record(
        actor=actor, action="agency_membership.set", obj=membership, changes={"user": user.username, "role": role}
    )
    return membership
