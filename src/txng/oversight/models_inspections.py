"""Inspections of facilities (TCVN 13167 checklist, samples, photos), violations with sanctions and follow-ups,
and the triage of consumers' suspect-product reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Inspection(models.Model):
    """A planned or recorded inspection of one facility by an agency."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")

    agency = models.ForeignKey("accounts.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    facility = models.ForeignKey(
        "registry.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="inspections"
    )
    product_group = models.ForeignKey(
        "registry.ProductGroup", verbose_name=_("product group"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    planned_on = models.DateField(_("planned date"))
    inspected_on = models.DateField(_("inspection date"), null=True, blank=True)
    # [{"code": "...", "text": "...", "result": "pass" | "fail" | "na", "note": "..."}]
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    findings = models.TextField(_("findings"), max_length=5000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-planned_on", "-pk"]
        indexes = [models.Index(fields=["organization", "planned_on"], name="oversight_insp_org_idx")]

    def __str__(self) -> str:
        return f"{self.facility} — {self.planned_on:%d/%m/%Y}"


class InspectionSample(models.Model):
    """A sample taken during an inspection and its laboratory result."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Pending")
        CONFORMING = "conforming", _("Conforming")
        NON_CONFORMING = "non_conforming", _("Non-conforming")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="samples")
    description = models.CharField(_("sample"), max_length=300)
    lot = models.CharField(_("lot code"), max_length=200, blank=True)
    laboratory = models.CharField(_("laboratory"), max_length=200, blank=True)
    result = models.CharField(_("lab result"), max_length=20, choices=Result.choices, default=Result.PENDING)
    result_note = models.CharField(_("result details"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("inspection sample")
        verbose_name_plural = _("inspection samples")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.description


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="inspections/%Y/%m/")
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("inspection photo")
        verbose_name_plural = _("inspection photos")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class Violation(models.Model):
    """A violation found in an inspection, its legal basis, the sanction and the follow-up."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="violations")
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("violation"), max_length=2000)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    sanction = models.CharField(_("sanction"), max_length=300, blank=True)
    fine_vnd = models.PositiveBigIntegerField(_("fine (VND)"), null=True, blank=True)
    follow_up = models.CharField(_("follow-up"), max_length=500, blank=True)
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    recall = models.ForeignKey(
        "oversight.Recall", verbose_name=_("recall"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("violation")
        verbose_name_plural = _("violations")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.description[:80]


class ReportTriage(models.Model):
    """An officer's handling of a consumer's suspect-product report (resolver.SuspectReport)."""

    report = models.OneToOneField("resolver.SuspectReport", on_delete=models.CASCADE, related_name="triage")
    note = models.CharField(_("note"), max_length=500, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled at"))

    class Meta:
        verbose_name = _("report triage")
        verbose_name_plural = _("report triage")

    def __str__(self) -> str:
        return f"#{self.report_id}"
