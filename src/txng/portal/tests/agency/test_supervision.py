"""Supervision pages scoped to the officer's sector or area, with filters and triage."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from txng.oversight.models_inspections import ReportTriage
from txng.registry.models import Certification, OcopRating, OrganizationSector
from txng.registry.tests.factories import OrganizationFactory, ProductFactory, ProductGroupFactory, UnitFactory, officer
from txng.resolver.models import Signal, SuspectReport

from .conftest import signed_in, submit_coop

pytestmark = pytest.mark.django_db


def test_sector_officer_sees_only_their_sector() -> None:
    # given
    farm = submit_coop("HTX Nông nghiệp", sector="agriculture").organization
    shop = submit_coop("Công ty Thương mại", sector="industry_trade").organization
    client = signed_in(officer("sector_department", sector="agriculture"))
    # when
    listing = client.get(reverse("portal:agency-businesses"))
    own = client.get(reverse("portal:agency-business", args=[farm.pk]))
    other = client.get(reverse("portal:agency-business", args=[shop.pk]))
    products = client.get(reverse("portal:agency-products"))
    # then
    assert [o.pk for o in listing.context["page"]] == [farm.pk]
    assert own.status_code == 200
    assert other.status_code == 404
    assert {p.organization_id for p in products.context["page"]} == {farm.pk}


def test_local_officer_sees_only_their_ward() -> None:
    # given
    ward = UnitFactory(code="31150", name="Phường Cái Khế")
    inside = OrganizationFactory(name="HTX Cái Khế", administrative_unit=ward)
    OrganizationFactory(name="HTX Khác", administrative_unit=UnitFactory())
    client = signed_in(officer("local_authority", unit=ward))
    # when
    response = client.get(reverse("portal:agency-businesses"))
    # then
    assert [o.pk for o in response.context["page"]] == [inside.pk]


def test_filters_by_group_stars_certificate_and_ward(dost_client: object) -> None:
    # given
    rice = ProductGroupFactory(code="lua-gao", name="Lúa gạo")
    fruit = ProductGroupFactory(code="trai-cay", name="Trái cây", sector="agriculture")
    ward = UnitFactory(code="31160", name="Phường An Hòa")
    starred = ProductFactory(product_group=rice, organization=OrganizationFactory(administrative_unit=ward))
    OcopRating.objects.create(
        product=starred, stars=4, issued_on=datetime.date(2025, 1, 1), expires_on=datetime.date(2028, 1, 1)
    )
    plain = ProductFactory(product_group=fruit)
    Certification.objects.create(
        organization=plain.organization, kind="vietgap", number="X", expires_on=datetime.date(2000, 1, 1)
    )
    url = reverse("portal:agency-businesses")
    # when
    by_group = dost_client.get(url, {"group": fruit.pk})  # type: ignore[attr-defined]
    by_stars = dost_client.get(url, {"stars": 4})  # type: ignore[attr-defined]
    by_cert = dost_client.get(url, {"cert": "expired"})  # type: ignore[attr-defined]
    by_ward = dost_client.get(url, {"ward": ward.code})  # type: ignore[attr-defined]
    products = dost_client.get(reverse("portal:agency-products"), {"stars": 4})  # type: ignore[attr-defined]
    # then
    assert [o.pk for o in by_group.context["page"]] == [plain.organization_id]
    assert [o.pk for o in by_stars.context["page"]] == [starred.organization_id]
    assert [o.pk for o in by_cert.context["page"]] == [plain.organization_id]
    assert [o.pk for o in by_ward.context["page"]] == [starred.organization_id]
    assert [p.pk for p in products.context["page"]] == [starred.pk]


def test_certificates_about_to_expire_are_listed_soonest_first(dost_client: object) -> None:
    # given
    today = timezone.localdate()
    organization = OrganizationFactory()
    later = Certification.objects.create(
        organization=organization, kind="haccp", number="B", expires_on=today + datetime.timedelta(days=50)
    )
    soon = Certification.objects.create(
        organization=organization, kind="vietgap", number="A", expires_on=today + datetime.timedelta(days=5)
    )
    Certification.objects.create(
        organization=organization, kind="organic", number="C", expires_on=today + datetime.timedelta(days=400)
    )
    # when
    response = dost_client.get(reverse("portal:agency-certificates"))  # type: ignore[attr-defined]
    # then
    assert [c.pk for c in response.context["page"]] == [soon.pk, later.pk]


def test_businesses_without_events_are_listed(dost_client: object) -> None:
    # given
    from txng.lineage.tests.chains import Business, harvest, lot_id

    active = Business("HTX Có sự kiện")
    field = active.facility("growing_area")
    gtin = active.product("Lúa")
    active.capture(harvest(field, lot_id(gtin, "L1"), 100, 1))
    from txng.epcis.models import Event

    Event.objects.filter(organization=active.organization).update(event_time=timezone.now())
    idle = OrganizationFactory(name="HTX Không sự kiện")
    # when
    response = dost_client.get(reverse("portal:agency-inactive"), {"days": 30})  # type: ignore[attr-defined]
    # then
    listed = {o.pk for o in response.context["page"]}
    assert idle.pk in listed
    assert active.organization.pk not in listed


def test_signals_and_reports_are_scoped_and_reports_can_be_marked_handled() -> None:
    # given
    farm = submit_coop("HTX Nông", sector="agriculture").organization
    shop = submit_coop("Công ty Bán lẻ", sector="industry_trade").organization
    now = timezone.now()
    for organization in (farm, shop):
        Signal.objects.create(
            organization_id=organization.pk,
            kind="high_count",
            gtin="08930001000019",
            serial=str(organization.pk),
            score=80,
            raised_at=now,
            day=now.date(),
        )
        SuspectReport.objects.create(organization_id=organization.pk, gtin="08930001000019", description="Tem lạ")
    client = signed_in(officer("sector_department", sector="agriculture"))
    # when
    signals = client.get(reverse("portal:agency-signals"))
    reports = client.get(reverse("portal:agency-reports"))
    mine = reports.context["items"][0][0]
    foreign = SuspectReport.objects.get(organization_id=shop.pk)
    handled = client.post(reverse("portal:agency-report-handle", args=[mine.pk]), {"note": "Đã liên hệ"})
    refused = client.post(reverse("portal:agency-report-handle", args=[foreign.pk]), {"note": "x"})
    after = client.get(reverse("portal:agency-reports"))
    # then
    assert [s.organization_id for s, _name in signals.context["items"]] == [farm.pk]
    assert [r.organization_id for r, _name in reports.context["items"]] == [farm.pk]
    assert handled.status_code == 302
    assert refused.status_code == 404
    assert ReportTriage.objects.get().note == "Đã liên hệ"
    assert after.context["items"] == []


def test_business_list_query_count_is_constant(dost_client: object) -> None:
    # given
    for _ in range(3):
        OrganizationSector.objects.create(
            organization=OrganizationFactory(administrative_unit=UnitFactory()), sector="health"
        )
    with CaptureQueriesContext(connection) as few:
        dost_client.get(reverse("portal:agency-businesses"))  # type: ignore[attr-defined]
    for _ in range(10):
        OrganizationFactory(administrative_unit=UnitFactory())
    # when
    with CaptureQueriesContext(connection) as many:
        dost_client.get(reverse("portal:agency-businesses"))  # type: ignore[attr-defined]
    # then
    assert len(many) == len(few)


def test_lots_are_scoped_to_the_officers_sector() -> None:
    # given
    from txng.lineage.tests.chains import Business, harvest, lot_id

    farm, shop = Business("HTX Lúa"), Business("Công ty Mỹ phẩm")
    OrganizationSector.objects.create(organization=farm.organization, sector="agriculture")
    OrganizationSector.objects.create(organization=shop.organization, sector="health")
    for business, lot in ((farm, "LUA-1"), (shop, "MP-1")):
        business.capture(harvest(business.facility("farm"), lot_id(business.product("Hàng"), lot), 10, 1))
    client = signed_in(officer("sector_department", sector="agriculture"))
    # when
    response = client.get(reverse("portal:agency-lots"))
    # then
    assert [lot.lot for lot, _holder in response.context["items"]] == ["LUA-1"]
    assert response.context["items"][0][1] == "HTX Lúa"


def test_home_shows_the_queue_to_reviewers_only() -> None:
    # given
    submit_coop()
    reviewer = signed_in(officer("dost"))
    local = signed_in(officer("local_authority", unit=UnitFactory()))
    # when
    as_reviewer = reviewer.get(reverse("portal:agency-home"))
    as_local = local.get(reverse("portal:agency-home"))
    # then
    assert as_reviewer.context["queue"] == {"waiting": 2, "overdue": 0}
    assert "2 revision(s) waiting for review" in as_reviewer.content.decode()
    assert as_local.status_code == 200
    assert as_local.context["queue"] is None


def test_map_draws_the_facilities_in_scope() -> None:
    # given
    from decimal import Decimal

    from txng.registry.tests.factories import FacilityFactory

    farm = submit_coop("HTX Nông", sector="agriculture").organization
    shop = submit_coop("Công ty Y tế", sector="health").organization
    FacilityFactory(organization=farm, name="Vườn A", latitude=Decimal("10.03"), longitude=Decimal("105.78"))
    FacilityFactory(organization=farm, name="Vườn B", latitude=Decimal("10.10"), longitude=Decimal("105.60"))
    FacilityFactory(organization=shop, name="Kho Y tế", latitude=Decimal("10.05"), longitude=Decimal("105.70"))
    FacilityFactory(organization=farm, name="Không tọa độ")
    client = signed_in(officer("sector_department", sector="agriculture"))
    # when
    response = client.get(reverse("portal:agency-map"))
    # then
    names = sorted(point["name"] for point in response.context["points"])
    assert names == ["Vườn A", "Vườn B"]
    assert response.content.decode().count("<circle") == 2
    assert all(0 <= p["x"] <= 600 and 0 <= p["y"] <= 400 for p in response.context["points"])
