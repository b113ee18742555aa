"""Users, agencies, roles and scopes, API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from txng.core.choices import Sector


class User(AbstractUser):
    """A person who signs in: an officer, a business owner or staff member, or an administrator."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username


class Agency(models.Model):
    """A state body whose officers use the system; its kind and sector/area decide their scope."""

    class Kind(models.TextChoices):
        DOST = "dost", _("Department of Science and Technology")
        SECTOR_DEPARTMENT = "sector_department", _("Sector department")
        LOCAL_AUTHORITY = "local_authority", _("Ward/commune People's Committee")
        INSPECTORATE = "inspectorate", _("Inspectorate")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=30, choices=Sector.choices, blank=True)
    administrative_unit = models.ForeignKey(
        "registry.AdministrativeUnit",
        verbose_name=_("administrative unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="sector_department") | ~models.Q(sector=""),
                name="agency_sector_department_has_sector",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="local_authority") | models.Q(administrative_unit__isnull=False),
                name="agency_local_authority_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AgencyMembership(models.Model):
    class Role(models.TextChoices):
        OFFICER = "officer", _("Officer")
        INSPECTOR = "inspector", _("Inspector")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="agency_memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)

    class Meta:
        verbose_name = _("agency membership")
        verbose_name_plural = _("agency memberships")
        constraints = [models.UniqueConstraint(fields=["user", "agency"], name="agency_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.agency} ({self.get_role_display()})"


class OrganizationMembership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        STAFF = "staff", _("Staff")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="organization_memberships")
    organization = models.ForeignKey("registry.Organization", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)

    class Meta:
        verbose_name = _("organization membership")
        verbose_name_plural = _("organization memberships")
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="organization_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token of one organization; only its SHA-256 is stored."""

    organization = models.ForeignKey("registry.Organization", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The first characters, shown in lists so owners can tell tokens apart; not enough to use one.
    prefix = models.CharField(_("prefix"), max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
