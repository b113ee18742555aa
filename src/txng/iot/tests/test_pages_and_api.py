from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from txng.accounts.principal import OPERATOR, principal_for_user
from txng.iot.ingest import readings_store
from txng.iot.models import Device, IngestRejection, Reading
from txng.iot.protocol import ParsedReading
from txng.iot.selectors import alerts_visible, cold_chain_summary
from txng.iot.services import device_create, rule_create
from txng.registry.models import Organization
from txng.registry.tests.factories import (
    FacilityFactory,
    OrganizationFactory,
    ProductFactory,
    ProductGroupFactory,
    business_user,
    officer,
)

from .conftest import GLN, SSCC

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)


def minutes(values: list[float]) -> list[ParsedReading]:
    return [ParsedReading("Temperature", START + timedelta(minutes=i), v, "CEL", i) for i, v in enumerate(values)]


def fruit_store(organization: Organization) -> tuple[Device, str]:
    """A cold store of pomelos (fresh fruit, 8–12 °C, 30 min tolerance) with a logger in it."""
    group = ProductGroupFactory(code="trai-cay-tuoi", name="Trái cây tươi", sector="agriculture")
    product = ProductFactory(organization=organization, product_group=group, name="Bưởi Năm Roi")
    FacilityFactory(organization=organization, gln=GLN, name="Kho lạnh Phong Điền")
    rule_create(
        actor=OPERATOR, name="Fresh fruit", product_group=group, min_value=8, max_value=12, tolerance_minutes=30
    )
    lot = f"https://id.gs1.org/01/{product.gtin}/10/B2611"
    device, secret = device_create(
        actor=OPERATOR, organization=organization, name="Kho lạnh 1", location_gln=GLN, lot_identifier=lot
    )
    return device, secret


def test_a_logger_uploads_its_trip_file_and_a_second_upload_stores_nothing_twice(
    reefer: tuple[Device, str], client: Client
) -> None:
    # given
    device, secret = reefer
    csv = "time,type,value,unit,seq\n" + "".join(
        f"2026-11-03T08:{m:02d}:00+07:00,Temperature,-19.{m},CEL,{m}\n" for m in range(30)
    )
    url = f"/api/iot/devices/{device.code}/upload"
    # when
    first = client.post(url, csv, content_type="text/csv", HTTP_AUTHORIZATION=f"Bearer {secret}")
    second = client.post(url, csv, content_type="text/csv", HTTP_AUTHORIZATION=f"Bearer {secret}")
    # then
    assert first.status_code == 200, first.content
    assert (first.json()["stored"], second.json()["stored"], second.json()["duplicates"]) == (30, 0, 30)
    assert Reading.objects.filter(device=device).count() == 30


def test_an_upload_with_another_devices_secret_is_refused_and_counted(
    reefer: tuple[Device, str], organization: Organization, client: Client
) -> None:
    # given
    _, secret = reefer
    other, _ = device_create(
        actor=OPERATOR, organization=OrganizationFactory(), name="Their logger", sscc="389300010000000026"
    )
    # when
    response = client.post(
        f"/api/iot/devices/{other.code}/upload",
        "time,type,value,unit\n2026-11-03T08:00:00+07:00,Temperature,30,CEL\n",
        content_type="text/csv",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    # then
    assert response.status_code == 403
    assert not Reading.objects.filter(device=other).exists()
    assert IngestRejection.objects.get(device_code=other.code).reason == "bad-token"


def test_the_alert_reaches_the_owner_and_the_responsible_agency_and_no_one_else(organization: Organization) -> None:
    # given
    device, _ = fruit_store(organization)
    agriculture = officer("sector_department", sector="agriculture")
    owner = business_user(organization)
    stranger = business_user(OrganizationFactory())
    # when: 40 minutes at 15 °C
    readings_store([(device, minutes([10.0] * 5 + [15.0] * 40 + [10.0] * 5))])
    # then
    assert alerts_visible(principal_for_user(owner)).count() == 1
    assert alerts_visible(principal_for_user(agriculture)).get().agency.sector == "agriculture"
    assert alerts_visible(principal_for_user(stranger)).count() == 0


def test_cold_chain_summary_says_broken_for_how_long_and_where(organization: Organization) -> None:
    # given
    device, _ = fruit_store(organization)
    readings_store([(device, minutes([10.0] * 5 + [15.0] * 47 + [10.0] * 5))])
    # when
    summary = cold_chain_summary(lot_identifiers=[device.lot_identifier], principal=OPERATOR)
    # then
    assert (summary.is_monitored, summary.is_kept, summary.reading_count) == (True, False, 57)
    [found] = summary.breaks
    assert (found.minutes, found.place, found.started_at) == (47, "Kho lạnh Phong Điền", START + timedelta(minutes=5))


def test_cold_chain_summary_says_kept_when_within_the_tolerance(organization: Organization) -> None:
    # given
    device, _ = fruit_store(organization)
    readings_store([(device, minutes([10.0] * 5 + [15.0] * 20 + [10.0] * 5))])
    # when
    summary = cold_chain_summary(lot_identifiers=[device.lot_identifier], principal=OPERATOR)
    # then
    assert (summary.is_kept, summary.breaks) == (True, [])


def test_the_shipment_page_draws_readings_and_the_allowed_band_for_the_owner(
    reefer: tuple[Device, str], organization: Organization, client: Client
) -> None:
    # given
    device, _ = reefer
    rule_create(actor=OPERATOR, name="Frozen fillets", sscc=SSCC, organization=organization, max_value=-18)
    readings_store([(device, minutes([-20.0, -19.0, -15.0, -20.0]))])
    client.force_login(business_user(organization))
    # when
    response = client.get(f"/iot/shipments/{SSCC}/")
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<polyline") == 1
    assert page.count('fill="#cf222e"') == 1  # the one reading outside the band
    assert "#dff3e4" in page


def test_the_public_sees_no_readings_of_an_unpublished_organization(reefer: tuple[Device, str], client: Client) -> None:
    # given
    device, _ = reefer
    readings_store([(device, minutes([-20.0, -19.0]))])
    # when
    response = client.get(f"/iot/shipments/{SSCC}/")
    # then
    assert response.status_code == 200
    assert "<polyline" not in response.content.decode()


def test_the_lot_page_shows_the_cold_chain_break(organization: Organization, client: Client) -> None:
    # given
    organization.is_published = True
    organization.save()
    device, _ = fruit_store(organization)
    readings_store([(device, minutes([10.0] * 5 + [15.0] * 47 + [10.0] * 5))])
    # when
    response = client.get("/iot/lots/", {"identifier": device.lot_identifier})
    # then
    page = response.content.decode()
    assert "<polyline" in page
    assert "Kho lạnh Phong Điền, " in page  # the break's place, whatever the language
    assert "03/11/2026 08:05" in page  # its start, in Viet Nam time


def test_an_owner_registers_a_device_through_the_api_and_gets_its_secret_once(
    organization: Organization, client: Client
) -> None:
    # given
    client.force_login(business_user(organization))
    body = {"organization_id": organization.pk, "name": "Ao nuôi 3", "location_gln": GLN}
    body["measurements"] = [{"type": "Temperature", "uom": "CEL"}, {"type": "MassConcentration", "uom": "M1"}]
    # when
    created = client.post("/api/iot/devices", body, content_type="application/json")
    listed = client.get("/api/iot/devices")
    # then
    assert created.status_code == 201, created.content
    assert created.json()["secret"].startswith("txd_")
    assert created.json()["topic"] == f"txng/v1/devices/{created.json()['mqtt_username']}/readings"
    assert [d["code"] for d in listed.json()] == [created.json()["code"]]
    assert "secret" not in listed.json()[0]


def test_a_business_cannot_register_a_device_for_another_organization(
    organization: Organization, client: Client
) -> None:
    # given
    client.force_login(business_user(OrganizationFactory()))
    # when
    response = client.post(
        "/api/iot/devices",
        {"organization_id": organization.pk, "name": "Not mine", "sscc": SSCC},
        content_type="application/json",
    )
    # then
    assert response.status_code == 403
    assert not Device.objects.exists()


def test_the_back_office_registers_a_device_and_shows_its_secret_once(
    organization: Organization, client: Client
) -> None:
    # given
    client.force_login(business_user(organization))
    # when
    response = client.post(
        "/admin/iot/device/add/",
        {
            "organization": organization.pk,
            "name": "Reefer 7",
            "sscc": SSCC,
            "measurements": '[{"type": "Temperature", "uom": "CEL"}]',
            "is_active": "on",
        },
        follow=True,
    )
    # then
    device = Device.objects.get()
    assert device.code in response.content.decode()
    assert "txd_" in response.content.decode()
    assert device.secret_hash != ""


def test_the_consumer_page_of_a_lot_says_where_its_cold_chain_broke(organization: Organization, client: Client) -> None:
    # given: a published pomelo lot whose cold store was warm for 47 minutes
    device, _ = fruit_store(organization)
    Organization.objects.filter(pk=organization.pk).update(is_published=True)
    product = organization.products.get()
    product.is_published = True
    product.save()
    readings_store([(device, minutes([10.0] * 5 + [15.0] * 47 + [10.0] * 5))])
    # when
    page = client.get(f"/trace/01/{product.gtin}/10/B2611").content.decode()
    # then
    assert 'class="cold-chain broken"' in page
    assert "Kho lạnh Phong Điền" in page


def test_the_consumer_page_of_an_unmonitored_lot_says_nothing_about_the_cold_chain(
    organization: Organization, client: Client
) -> None:
    fruit_store(organization)
    Organization.objects.filter(pk=organization.pk).update(is_published=True)
    product = organization.products.get()
    product.is_published = True
    product.save()
    page = client.get(f"/trace/01/{product.gtin}/10/OTHER").content.decode()
    assert "cold-chain" not in page
