"""Automatic checks shown to reviewers beside a submitted revision: identifier validity, fields that
Circular 02/2024/TT-BKHCN requires, expired certificates, and the lot graph's data-quality warnings."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from django.utils import timezone
from django.utils.translation import gettext as _

from txng.core.errors import ServiceError
from txng.lineage.checks import lot_checks
from txng.lineage.models import Lot
from txng.registry.models import Certification, Organization, Product
from txng.registry.validators import validate_company_prefix, validate_gln, validate_gtin, validate_tax_code
from txng.review.models import ProfileRevision

# Circular 02/2024/TT-BKHCN, Annex: the information a traceability record must give about the
# business (name, address, contact, representative) and the product (name, group, unit, quantity).
REQUIRED_ORGANIZATION_FIELDS: Final = ("name", "address", "administrative_unit_id", "representative", "phone")
REQUIRED_PRODUCT_FIELDS: Final = ("name", "product_group_id", "unit", "net_content")
LINEAGE_LOTS: Final = 5


@dataclass(frozen=True)
class Check:
    severity: str  # "error" or "warning"
    message: str


def _gtin(value: str) -> str:
    return validate_gtin(value)


def _gln(value: str) -> str:
    return validate_gln(value)


def _identifier_checks(revision: ProfileRevision) -> list[Check]:
    found: list[Check] = []
    data = revision.data
    organization: Organization = revision.organization
    pairs: list[tuple[Callable[[str], str], str]] = (
        [(_gtin, revision.product.gtin)]
        if revision.product_id and revision.product is not None
        else [
            (validate_tax_code, organization.tax_code),
            *([(validate_company_prefix, str(data["gs1_company_prefix"]))] if data.get("gs1_company_prefix") else []),
            *([(_gln, str(data["gln"]))] if data.get("gln") else []),
        ]
    )
    for validate, value in pairs:
        try:
            validate(str(value))
        except ServiceError as error:
            found.append(Check("error", str(error.message)))
    return found


def _missing(revision: ProfileRevision) -> list[Check]:
    fields = REQUIRED_PRODUCT_FIELDS if revision.product_id else REQUIRED_ORGANIZATION_FIELDS
    model = Product if revision.product_id else Organization
    missing = [name for name in fields if revision.data.get(name) in (None, "")]
    if not missing:
        return []
    names = {field.attname: str(field.verbose_name) for field in model._meta.concrete_fields}
    labels = [names.get(name, name) for name in missing]
    return [
        Check(
            "error", _("Missing information required by Circular 02/2024: %(fields)s.") % {"fields": ", ".join(labels)}
        )
    ]


def expired_certificates(organization_ids: Sequence[int], day: datetime.date) -> dict[int, list[str]]:
    """Expired certificates per organization, in one query."""
    result: dict[int, list[str]] = defaultdict(list)
    rows = Certification.objects.filter(organization_id__in=organization_ids, expires_on__lt=day).values_list(
        "organization_id", "kind", "number", "expires_on"
    )
    labels = dict(Certification.Kind.choices)
    for organization_id, kind, number, expires_on in rows:
        result[organization_id].append(f"{labels.get(kind, kind)} {number} ({expires_on:%d/%m/%Y})")
    return result


def _certificate_checks(certificates: list[str]) -> list[Check]:
    return [
        Check("warning", _("Certificate expired: %(certificate)s.") % {"certificate": text}) for text in certificates
    ]


def revision_checks_many(revisions: Sequence[ProfileRevision]) -> dict[int, list[Check]]:
    """The quick checks of many revisions (identifiers, required fields, certificates): one query."""
    expired = expired_certificates(sorted({r.organization_id for r in revisions}), timezone.localdate())
    return {
        revision.pk: [
            *_identifier_checks(revision),
            *_missing(revision),
            *_certificate_checks(expired.get(revision.organization_id, [])),
        ]
        for revision in revisions
    }


def lineage_checks(revision: ProfileRevision) -> list[Check]:
    """Data-quality warnings of the subject's most recent lots (the lot graph's checks)."""
    lots = Lot.objects.filter(organization_id=revision.organization_id)
    if revision.product_id and revision.product is not None:
        lots = lots.filter(gtin=revision.product.gtin)
    found: list[Check] = []
    for lot in lots.order_by("-last_seen")[:LINEAGE_LOTS]:
        for finding in lot_checks(lot):
            found.append(Check(finding.severity, f"{lot.gtin}/{lot.lot}: {finding.message}"))
    return found


def revision_checks(revision: ProfileRevision) -> list[Check]:
    return [*revision_checks_many([revision])[revision.pk], *lineage_checks(revision)]
