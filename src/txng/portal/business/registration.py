"""Self-registration of a business: the organization (as a draft for review), its owner account and membership."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from txng.accounts.models import OrganizationMembership, User
from txng.accounts.principal import Principal
from txng.accounts.services import account_register, organization_member_add
from txng.accounts.visibility import can_manage_organization
from txng.core.errors import PermissionDenied, ServiceError
from txng.registry.models import Organization, OrganizationDocument
from txng.registry.services import organization_create, organization_document_add

# Registration runs before anyone is signed in: the audit log records this principal for the new
# organization and its owner membership (the account itself is created by account_register, as itself).
REGISTRATION = Principal(label="portal self-registration", is_admin=True)


@transaction.atomic
def business_register(
    *, username: str, password: str, full_name: str, tax_code: str, name: str, document: Any = None, **profile: Any
) -> tuple[Organization, User]:
    """Create the organization as a draft, its owner user, the owner membership and (if sent) its registration
    certificate for the reviewers — or nothing."""
    if User.objects.filter(username=username.strip()).exists():
        raise ServiceError(_("This username is taken."), code="duplicate-username", field="username")
    organization = organization_create(actor=REGISTRATION, tax_code=tax_code, name=name, **profile)
    user = account_register(username=username, password=password, full_name=full_name, email=profile.get("email", ""))
    organization_member_add(
        actor=REGISTRATION, organization=organization, user=user, role=OrganizationMembership.Role.OWNER
    )
    if document:
        kind = OrganizationDocument.Kind.BUSINESS_REGISTRATION
        try:
            organization_document_add(actor=REGISTRATION, organization=organization, kind=kind, file=document)
        except ServiceError as error:
            raise ServiceError(error.message, code=error.code, field="document") from None
    return organization, user


@transaction.atomic
def staff_add(*, actor: Principal, organization: Organization, username: str, password: str, full_name: str) -> User:
    """The owner gives a co-worker an account that records for the organization (staff, not owner)."""
    if not can_manage_organization(actor, organization.pk):
        raise PermissionDenied(_("Only the organization's owner may add members."))
    if User.objects.filter(username=username.strip()).exists():
        raise ServiceError(_("This username is taken."), code="duplicate-username", field="username")
    user = account_register(username=username, password=password, full_name=full_name)
    organization_member_add(actor=actor, organization=organization, user=user, role=OrganizationMembership.Role.STAFF)
    return user
