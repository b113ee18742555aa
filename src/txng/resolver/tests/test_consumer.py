"""The consumer page: verification verdicts (two-layer stamps), Circular 02/2024 data, journey, forms."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from txng.accounts.principal import OPERATOR
from txng.codes.models import StampBatch
from txng.codes.selectors import Stamp, stamp_batch_stamps
from txng.codes.services import stamp_batch_suspend, stamp_batch_void
from txng.epcis.models import Event, EventIdentifier
from txng.registry.models import Product
from txng.registry.services import certification_create, facility_create
from txng.resolver.models import PinCheck, Scan, Signal, SuspectReport
from txng.resolver.services import REPORTS_PER_VISITOR_PER_HOUR

pytestmark = pytest.mark.django_db
MakeBatch = Callable[..., StampBatch]
STATIC = Path(__file__).resolve().parents[2] / "static" / "txng"


def _path(stamp: Stamp) -> str:
    return urlsplit(stamp.digital_link("https://x.example")).path


def _scan(client: Client, path: str, ip: str = "10.0.0.1") -> str:
    """Resolve like a phone does, then open the consumer page; return its HTML."""
    response = client.get(path, REMOTE_ADDR=ip)
    assert response.status_code == 307
    page = client.get(response["Location"], REMOTE_ADDR=ip)
    assert page.status_code in (200, 404)
    return page.content.decode()


def test_first_check_is_genuine_then_another_visitor_sees_possible_copy(client: Client, make_batch: MakeBatch) -> None:
    stamp = next(stamp_batch_stamps(make_batch()))
    first = _scan(client, _path(stamp), ip="10.0.0.1")
    assert "verdict-genuine" in first
    again_same_visitor = _scan(client, _path(stamp), ip="10.0.0.1")
    assert "verdict-genuine" in again_same_visitor
    other = _scan(client, _path(stamp), ip="10.9.9.9")
    assert "verdict-checked_before" in other
    assert list(Scan.objects.order_by("pk").values_list("verdict", flat=True)) == [
        "genuine", "genuine", "checked_before",
    ]  # fmt: skip


def test_forged_serial_is_counterfeit_and_raises_a_signal(client: Client, make_batch: MakeBatch) -> None:
    stamp = next(stamp_batch_stamps(make_batch()))
    forged = stamp.serial[:-1] + ("A" if stamp.serial[-1] != "A" else "B")
    html = _scan(client, _path(stamp).replace(stamp.serial, forged))
    assert "verdict-counterfeit" in html
    signal = Signal.objects.get()
    assert (signal.kind, signal.serial, signal.score) == ("invalid_serial", forged, 60)


def test_not_activated_suspended_and_voided_stamps(client: Client, make_batch: MakeBatch) -> None:
    issued = next(stamp_batch_stamps(make_batch(activate=False)))
    assert "verdict-not_activated" in _scan(client, _path(issued))
    suspended_batch = make_batch()
    stamp_batch_suspend(actor=OPERATOR, batch=suspended_batch)
    assert "verdict-suspended" in _scan(client, _path(next(stamp_batch_stamps(suspended_batch))))
    voided_batch = make_batch()
    stamp_batch_void(actor=OPERATOR, batch=voided_batch)
    assert "verdict-voided" in _scan(client, _path(next(stamp_batch_stamps(voided_batch))))
    assert Signal.objects.filter(kind="voided").count() == 1


def test_expired_code(client: Client, product: Product) -> None:
    html = _scan(client, f"/01/{product.gtin}?17=200101")
    assert "verdict-expired" in html


def test_pin_right_first_time_then_reused(client: Client, make_batch: MakeBatch) -> None:
    stamp = next(stamp_batch_stamps(make_batch()))
    page = "/trace" + _path(stamp)
    first = client.post(page, {"action": "pin", "pin": stamp.pin}).content.decode()
    assert 'class="good"' in first
    second = client.post(page, {"action": "pin", "pin": stamp.pin}, REMOTE_ADDR="10.2.2.2").content.decode()
    assert 'class="warn"' in second
    wrong = client.post(page, {"action": "pin", "pin": "00000000" if stamp.pin != "00000000" else "1"})
    assert 'class="bad"' in wrong.content.decode()
    assert list(PinCheck.objects.order_by("pk").values_list("is_correct", flat=True)) == [True, True, False]


def test_pin_guessing_is_rate_limited_and_signalled(client: Client, make_batch: MakeBatch) -> None:
    stamp = next(stamp_batch_stamps(make_batch()))
    page = "/trace" + _path(stamp)
    statuses = [
        client.post(page, {"action": "pin", "pin": f"{n:08d}"}, REMOTE_ADDR="10.3.3.3").status_code for n in range(11)
    ]
    assert statuses[-1] == 429
    assert Signal.objects.filter(kind="pin_guessing", serial=stamp.serial).exists()


def test_suspect_report_is_stored_and_rate_limited(client: Client, make_batch: MakeBatch) -> None:
    stamp = next(stamp_batch_stamps(make_batch()))
    page = "/trace" + _path(stamp)
    for _ in range(REPORTS_PER_VISITOR_PER_HOUR):
        response = client.post(page, {"action": "report", "description": "Tem mờ", "place": "Chợ Cái Răng"})
        assert response.status_code == 200
    refused = client.post(page, {"action": "report", "description": "Tem mờ"})
    assert refused.status_code == 429
    assert SuspectReport.objects.count() == REPORTS_PER_VISITOR_PER_HOUR
    assert SuspectReport.objects.first().serial == stamp.serial  # type: ignore[union-attr]


def test_empty_report_is_refused(client: Client, product: Product) -> None:
    response = client.post(f"/trace/01/{product.gtin}", {"action": "report", "description": " "})
    assert response.status_code == 400
    assert not SuspectReport.objects.exists()


def test_page_shows_circular_02_data_certificates_and_journey(client: Client, make_batch: MakeBatch) -> None:
    # given: a certificate that expired, a valid one, and published events of the lot at a known place
    batch = make_batch()
    product = batch.product
    organization = product.organization
    today = timezone.localdate()
    certification_create(
        actor=OPERATOR, organization=organization, kind="vietgap", number="VG-OLD",
        issued_on=today - datetime.timedelta(days=800), expires_on=today - datetime.timedelta(days=30),
    )  # fmt: skip
    certification_create(
        actor=OPERATOR, organization=organization, kind="haccp", number="HACCP-1", product=product,
        issued_on=today - datetime.timedelta(days=10), expires_on=today + datetime.timedelta(days=300),
    )  # fmt: skip
    facility_create(
        actor=OPERATOR, organization=organization, kind="packing_house", name="Nhà đóng gói Phong Điền",
        gln="8930001000018", address="Xã Phong Điền",
    )  # fmt: skip
    packed = timezone.now() - datetime.timedelta(days=2)
    event = Event.objects.create(
        organization=organization, event_id="ni:///packed", event_hash="ni:///sha-256;x", event_type="ObjectEvent",
        event_time=packed, event_time_zone_offset="+07:00", record_time=packed, action="OBSERVE",
        biz_step="packing", biz_location="https://id.gs1.org/414/8930001000018", document={}, namespaces={},
    )  # fmt: skip
    EventIdentifier.objects.create(
        event=event, organization_id=organization.pk, role="class", gtin=product.gtin,
        identifier=f"https://id.gs1.org/01/{product.gtin}/10/L1",
    )  # fmt: skip
    stamp = next(stamp_batch_stamps(batch))
    # when
    html = _scan(client, _path(stamp))
    # then
    assert product.name in html
    assert organization.address in html
    assert f"(01){product.gtin}(10)L1(21){stamp.serial}" in html
    assert "VG-OLD" in html
    assert "HACCP-1" in html
    assert html.count('class="expired"') == 1
    assert "Nhà đóng gói Phong Điền" in html
    assert "(414)8930001000018" in html
    assert packed.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y") in html


def test_other_organizations_events_are_not_in_the_journey(client: Client, make_batch: MakeBatch) -> None:
    from txng.registry.tests.factories import OrganizationFactory

    batch = make_batch()
    stranger = OrganizationFactory(is_published=True)
    event = Event.objects.create(
        organization=stranger, event_id="ni:///x", event_hash="ni:///sha-256;y", event_type="ObjectEvent",
        event_time=timezone.now(), event_time_zone_offset="+07:00", record_time=timezone.now(),
        biz_step="shipping", document={}, namespaces={},
    )  # fmt: skip
    EventIdentifier.objects.create(
        event=event, organization_id=stranger.pk, role="class", gtin=batch.product.gtin,
        identifier=f"https://id.gs1.org/01/{batch.product.gtin}/10/L1",
    )  # fmt: skip
    html = _scan(client, _path(next(stamp_batch_stamps(batch))))
    assert 'class="timeline"' not in html


def test_scan_location_is_coarse_and_set_once(client: Client, make_batch: MakeBatch) -> None:
    stamp = next(stamp_batch_stamps(make_batch()))
    location = client.get(_path(stamp))["Location"]
    token = location.split("scan=")[1]
    assert (
        client.post(
            "/trace/scan-location", {"scan": token, "latitude": "10.04567", "longitude": "105.7469"}
        ).status_code
        == 204
    )
    client.post("/trace/scan-location", {"scan": token, "latitude": "21.0", "longitude": "105.8"})
    scan = Scan.objects.get()
    assert (str(scan.latitude), str(scan.longitude)) == ("10.05", "105.75")
    assert client.post("/trace/scan-location", {"scan": "forged", "latitude": "1", "longitude": "1"}).status_code == 400


def test_ip_address_is_stored_only_hashed(client: Client, product: Product) -> None:
    client.get(f"/01/{product.gtin}", REMOTE_ADDR="203.0.113.7")
    scan = Scan.objects.get()
    assert "203.0.113.7" not in scan.ip_hash
    assert len(scan.ip_hash) == 32


def test_page_weight_is_within_budget(client: Client, make_batch: MakeBatch) -> None:
    # Budget: 300 KB for the whole page on a cheap phone over 3G; no third-party requests.
    html = _scan(client, _path(next(stamp_batch_stamps(make_batch()))))
    assets = sum((STATIC / name).stat().st_size for name in ("site.css", "consumer.css", "consumer.js"))
    assert len(html.encode()) + assets < 300 * 1024
    assert "https://" not in html.replace("https://id.gs1.org", "")


def test_an_event_declared_an_error_leaves_the_journey(client: Client, make_batch: MakeBatch) -> None:
    # given: the owner's shipping event of the lot, then its error declaration (EPCIS 2.0 §7.4.1.2)
    batch = make_batch()
    organization = batch.product.organization
    for is_declaration in (False, True):
        event = Event.objects.create(
            organization=organization, event_id="ni:///wrong", event_hash="ni:///sha-256;w", event_type="ObjectEvent",
            event_time=timezone.now(), event_time_zone_offset="+07:00", record_time=timezone.now(),
            biz_step="shipping", document={}, namespaces={}, is_error_declaration=is_declaration,
        )  # fmt: skip
        EventIdentifier.objects.create(
            event=event, organization_id=organization.pk, role="class", gtin=batch.product.gtin,
            identifier=f"https://id.gs1.org/01/{batch.product.gtin}/10/L1",
        )  # fmt: skip
    # when
    html = _scan(client, _path(next(stamp_batch_stamps(batch))))
    # then
    assert 'class="timeline"' not in html


def test_page_shows_the_producers_facilities_on_a_map(client: Client, make_batch: MakeBatch) -> None:
    # given: a facility of the producer with a position
    batch = make_batch()
    facility_create(
        actor=OPERATOR, organization=batch.product.organization, kind="growing_area", name="Vườn bưởi Phú Thành",
        latitude="9.88", longitude="105.83",
    )  # fmt: skip
    # when
    html = _scan(client, _path(next(stamp_batch_stamps(batch))))
    # then: a plain SVG plot (no tiles configured), nothing fetched from elsewhere
    assert 'id="places-map"' in html
    assert "Vườn bưởi Phú Thành" in html


def test_page_without_positioned_facilities_has_no_map(client: Client, make_batch: MakeBatch) -> None:
    html = _scan(client, _path(next(stamp_batch_stamps(make_batch()))))
    assert 'id="places-map"' not in html
