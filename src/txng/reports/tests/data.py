"""A small traceability programme for the statistics tests: what the figures must count."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from txng.accounts.principal import OPERATOR
from txng.codes.services import stamp_batch_issue
from txng.lineage.tests.chains import Business, harvest, lot_id
from txng.oversight.models_inspections import Inspection, Violation
from txng.registry.models import Organization, OrganizationSector, Product
from txng.registry.tests.factories import OrganizationFactory, ProductFactory, ProductGroupFactory, UnitFactory
from txng.resolver.models import Scan

YEAR = 2026


@dataclass
class Programme:
    tracing: list[Organization]
    idle: Organization
    outside: Organization
    traced_products: list[Product]


def programme() -> Programme:
    """Two co-ops of a priority group that trace (events in March 2026), one of a mandatory group that
    does not, and one business outside the target groups; 12 stamps issued, 3 scans, one inspection
    with a violation."""
    ward = UnitFactory(code="31135", name="Phường Ninh Kiều")
    fruit = ProductGroupFactory(code="trai-cay", name="Trái cây", sector="agriculture", is_priority=True)
    fish = ProductGroupFactory(code="thuy-san", name="Thủy sản", sector="agriculture", is_mandatory=True)
    other = ProductGroupFactory(code="thu-cong", name="Thủ công mỹ nghệ", sector="industry_trade")
    tracing, traced = [], []
    for name, fruit_name in (("HTX Xoài Hòa Lộc", "Xoài cát Hòa Lộc"), ("HTX Bưởi Năm Roi", "Bưởi Năm Roi")):
        business = Business(name)
        Organization.objects.filter(pk=business.organization.pk).update(administrative_unit=ward)
        OrganizationSector.objects.create(organization=business.organization, sector="agriculture")
        field = business.facility("growing_area")
        gtin = business.product(fruit_name, fruit)
        business.capture(harvest(field, lot_id(gtin, "L-01"), 500, 3))
        tracing.append(business.organization)
        Product.objects.filter(gtin=gtin).update(is_published=True)
        traced.append(Product.objects.get(gtin=gtin))
    idle = OrganizationFactory(name="HTX Cá tra Thốt Nốt", administrative_unit=ward)
    OrganizationSector.objects.create(organization=idle, sector="agriculture")
    ProductFactory(organization=idle, name="Cá tra phi lê", product_group=fish)
    outside = OrganizationFactory(name="Cơ sở Đan lát", administrative_unit=ward)
    OrganizationSector.objects.create(organization=outside, sector="industry_trade")
    ProductFactory(organization=outside, name="Giỏ lục bình", product_group=other)
    batch = stamp_batch_issue(actor=OPERATOR, product=traced[0], count=12, lot="L-01", activate=True)
    when = timezone.make_aware(datetime.datetime(YEAR, 3, 10, 9))
    Scan.objects.bulk_create(
        [
            Scan(organization_id=tracing[0].pk, gtin=traced[0].gtin, batch=batch, verdict="genuine", scanned_at=when)
            for _ in range(3)
        ]
    )
    facility = tracing[0].facilities.first()
    assert facility is not None
    inspection = Inspection.objects.create(
        agency_id=_agency_id(),
        organization=tracing[0],
        facility=facility,
        planned_on=datetime.date(YEAR, 4, 1),
        inspected_on=datetime.date(YEAR, 4, 2),
        status=Inspection.Status.DONE,
    )
    Violation.objects.create(
        inspection=inspection, organization=tracing[0], description="Thiếu nhật ký", legal_basis="NĐ 115/2018"
    )
    return Programme(tracing, idle, outside, traced)


def _agency_id() -> int:
    from txng.accounts.models import Agency

    agency, _created = Agency.objects.get_or_create(code="so-khcn", defaults={"name": "Sở KH&CN", "kind": "dost"})
    return agency.pk
