"""Complete journeys of business users in headless Chromium, at a phone and a desktop viewport.

Every journey saves screenshots under test-artifacts/, runs the axe-core accessibility checker on each
page it visits (no serious or critical violation allowed) and checks that no request leaves 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from txng.accounts.principal import principal_for_user
from txng.epcis.models import Event
from txng.oversight.models import Recall, RecallNotice
from txng.oversight.services import recall_open
from txng.registry.models import Organization, Product
from txng.registry.tests.factories import ProductFactory, UnitFactory, officer
from txng.review.models import ProfileRevision
from txng.review.services import revision_approve
from txng.testing import ARTIFACTS, AXE, CHROMIUM, LAUNCH_ARGS

from .conftest import Member, make_member

VIEWPORTS = {
    "phone": {"viewport": {"width": 360, "height": 780}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
TXNG = "https://ns.opentxng.vn/epcis/"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
    pytest.mark.usefixtures("_async_unsafe_allowed"),
]


class Journey:
    """One browser tab of a journey: screenshots, accessibility checks, and the hosts it talked to."""

    def __init__(self, page: Any, base: str, name: str) -> None:
        self.page = page
        self.base = base
        self.name = name
        self.hosts: set[str] = set()
        self.shots: list[Path] = []
        page.on("request", lambda request: self.hosts.add(urlsplit(request.url).hostname or ""))

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + path, wait_until="load")
        assert response is not None
        assert response.status < 400, path

    def check(self, step: str) -> None:
        """Screenshot, then axe-core: no serious or critical violation on this page."""
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"portal-{self.name}-{step}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        self.shots.append(shot)
        self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(
            "axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']}).then(r => r.violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id + ': ' + v.nodes[0].html))"
        )
        assert violations == [], f"{step}: {violations}"
        # Nothing overflows sideways on a phone.
        width = self.page.evaluate("window.innerWidth")
        assert self.page.evaluate("document.documentElement.scrollWidth") <= width, step

    def sign_in(self, username: str, password: str = "mat-khau-123") -> None:  # noqa: S107 - a test account
        self.go("/portal/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        self.page.keyboard.press("Enter")  # the keyboard alone submits the form
        self.page.wait_for_url("**/portal/")

    def diary(self, activity: str, **fields: str) -> None:
        self.go("/portal/diary/")
        self.page.select_option("#id_activity", activity)
        for name, value in fields.items():
            selector = f"#id_{name}"
            if self.page.eval_on_selector(selector, "e => e.tagName") == "SELECT":
                self.page.select_option(selector, value)
            else:
                self.page.fill(selector, value)
        self.page.click("form.diary button[type=submit]")
        self.page.wait_for_load_state("load")
        assert self.page.locator(".messages .success").count() == 1, self.page.content()[:3000]

    def finish(self) -> None:
        assert self.hosts <= {"localhost", "127.0.0.1"}
        assert all(shot.stat().st_size > 0 for shot in self.shots)


@pytest.fixture(params=list(VIEWPORTS))
def browser_context(request: Any) -> Iterator[tuple[Any, str]]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser, request.param
        finally:
            browser.close()


def journey(browser_context: tuple[Any, str], live_server: Any, name: str) -> Journey:
    browser, viewport = browser_context
    context = browser.new_context(**VIEWPORTS[viewport])
    context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    return Journey(context.new_page(), live_server.url, f"{name}-{viewport}")


def published_member(name: str) -> Member:
    member = make_member(name)
    Organization.objects.filter(pk=member.organization.pk).update(is_published=True, review_status="published")
    member.organization.refresh_from_db()
    return member


def test_register_a_cooperative_and_a_product(browser_context: tuple[Any, str], live_server: Any) -> None:
    # given
    UnitFactory()
    tab = journey(browser_context, live_server, "register")
    page = tab.page
    # when: the co-op registers
    tab.go("/portal/register/")
    page.select_option("#id_kind", "cooperative")
    page.fill("#id_name", "HTX Nông nghiệp Thới Lai")
    page.fill("#id_tax_code", "1800158006")  # a wrong check digit first
    page.select_option("#id_administrative_unit_id", "31135")
    page.fill("#id_full_name", "Nguyễn Văn An")
    page.fill("#id_username", "an.nguyen")
    page.fill("#id_password", "lua-thom-2026")
    page.click("form.card button[type=submit]")
    tab.check("1-wrong-tax-code")
    assert page.locator("#field-tax_code .error").inner_text() == "Tax code 1800158006 has a wrong check digit."
    assert page.input_value("#id_name") == "HTX Nông nghiệp Thới Lai"
    page.fill("#id_tax_code", "1800158005")
    page.click("form.card button[type=submit]")
    page.wait_for_url("**/portal/")
    tab.check("2-home")
    # a growing area, its position set by tapping the map
    tab.go("/portal/facilities/")
    page.select_option("#id_kind", "growing_area")
    page.fill("#id_name", "Cánh đồng lớn Thới Lai")
    page.click("#map", position={"x": 100, "y": 100})
    assert page.input_value("#id_latitude") != ""
    tab.check("3-facility-form")
    page.click("form.card button[type=submit]")
    # a product with its image
    tab.go("/portal/products/")
    page.fill("#id_gtin", "08930000000019")
    page.fill("#id_name", "Gạo ST25 Thới Lai")
    page.click("form.card button[type=submit]")
    tab.check("4-products")
    # and submits the profile for review
    tab.go("/portal/review/")
    page.locator("table form button[type=submit]").first.click()
    tab.check("5-review")
    # the other pages a new business sees, checked for accessibility too
    for step, path in (
        ("6-organization", "/portal/organization/"),
        ("7-tokens", "/portal/tokens/"),
        ("8-push", "/portal/push/"),
        ("9-diary-empty", "/portal/diary/"),
        ("10-stamps", "/portal/stamps/"),
    ):
        tab.go(path)
        tab.check(step)  # fmt: skip
    # then
    organization = Organization.objects.get(tax_code="1800158005")
    assert organization.facilities.get().latitude is not None
    assert Product.objects.get(gtin="08930000000019").organization_id == organization.pk
    assert ProfileRevision.objects.filter(organization=organization, status="submitted").count() == 1
    tab.finish()


def test_a_season_of_rice_stamps_and_the_consumer_page(browser_context: tuple[Any, str], live_server: Any) -> None:
    # given: an approved co-op with paddy and a packed rice product
    member = published_member("HTX Lúa Thới Lai")
    packed = ProductFactory(
        organization=member.organization, name="Gạo ST25 túi 5kg", is_published=True, review_status="published"
    )
    tab = journey(browser_context, live_server, "season")
    page = tab.page
    paddy = f"https://id.gs1.org/01/{member.product.gtin}/10/V1-2026"
    dried = f"https://id.gs1.org/01/{member.product.gtin}/10/V1-KHO"
    milled = f"https://id.gs1.org/01/{packed.gtin}/10/G1"
    # when
    tab.sign_in(member.user.username)
    tab.diary("sowing", when="2026-01-05T07:00", material="ST25 xác nhận", quantity="120")
    tab.diary("fertilising", when="2026-01-25T07:00", material="NPK 20-20-15", quantity="200")
    tab.diary("spraying", when="2026-03-01T07:00", material="Abamectin 3.6EC", pre_harvest_interval_days="14")
    tab.check("1-diary")
    tab.diary("harvesting", when="2026-04-10T07:00", product=member.product.gtin, lot="V1-2026", quantity="6000")
    tab.diary(
        "drying", when="2026-04-11T07:00", input_lot=paddy, product=member.product.gtin, lot="V1-KHO", quantity="5200"
    )
    tab.diary("milling", when="2026-04-12T07:00", input_lot=dried, product=packed.gtin, lot="G1", quantity="3400")
    tab.diary("packing", when="2026-04-13T07:00", input_lot=milled, product=packed.gtin, lot="P1", quantity="3400")
    tab.go(f"/portal/lots/{member.product.gtin}/V1-2026/")
    tab.check("2-lot")
    tab.go("/portal/stamps/")
    page.select_option("#id_product", str(packed.pk))
    page.fill("#id_count", "50")
    page.click("form.card button[type=submit]")
    page.fill(".batch input[name=lot]", "P1")
    page.click(".batch form button[type=submit]")
    tab.check("3-stamps")
    tab.go(f"/trace/01/{packed.gtin}/10/P1")
    tab.check("4-consumer-page")
    journey_text = page.locator("#journey").inner_text()
    # then
    assert Event.objects.filter(organization=member.organization).count() == 7
    assert member.organization.stamp_batches.get().lot == "P1"
    for step in ("Sown / planted", "Fertilised", "Sprayed", "Harvested", "Dried", "Milled"):
        assert step in journey_text, (step, journey_text)
    tab.finish()


def test_import_a_spreadsheet_with_errors_fix_it_and_import(
    browser_context: tuple[Any, str], live_server: Any, tmp_path: Path, settings: Any
) -> None:
    # given: the task runs at once after commit, as a worker would pick it up
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    member = make_member()
    bad = tmp_path / "san-pham.csv"
    bad.write_text("GTIN,Tên sản phẩm\n08930000000026,Gạo lứt\n08930000000034,Gạo nếp\n", encoding="utf-8")
    good = tmp_path / "san-pham-sua.csv"
    good.write_text("GTIN,Tên sản phẩm\n08930000000026,Gạo lứt\n08930000000033,Gạo nếp\n", encoding="utf-8")
    tab = journey(browser_context, live_server, "import")
    page = tab.page
    # when
    tab.sign_in(member.user.username)
    tab.go("/portal/import/")
    page.select_option("#id_kind", "products")
    page.set_input_files("#id_file", str(bad))
    page.click("button[name=check]")
    tab.check("1-errors")
    errors = page.locator("#row-errors tbody tr").all_inner_texts()
    page.set_input_files("#id_file", str(good))
    page.click("button[name=import]")
    page.wait_for_selector("#job[data-status=done]")
    tab.check("2-imported")
    # then
    assert len(errors) == 1
    assert errors[0].startswith("2")
    assert set(Product.objects.filter(organization=member.organization).values_list("gtin", flat=True)) >= {
        "08930000000026",
        "08930000000033",
    }
    tab.finish()


def test_ship_to_a_second_business_that_confirms_receipt(browser_context: tuple[Any, str], live_server: Any) -> None:
    # given
    shipper = make_member("HTX Lúa Thới Lai")
    receiver = make_member("Công ty Gạo Cần Thơ")
    tab = journey(browser_context, live_server, "ship")
    lot = f"https://id.gs1.org/01/{shipper.product.gtin}/10/V9"
    # when: the shipper harvests and ships
    tab.sign_in(shipper.user.username)
    tab.diary("harvesting", product=shipper.product.gtin, lot="V9", quantity="800")
    tab.diary("shipping", input_lot=lot, quantity="800", destination_tax_code=receiver.organization.tax_code)
    tab.check("1-shipped")
    tab.page.context.clear_cookies()
    tab.page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    # and the receiver confirms in one tap
    tab.sign_in(receiver.user.username)
    tab.go("/portal/incoming/")
    tab.check("2-incoming")
    tab.page.click("form.shipment button[type=submit]")
    tab.check("3-confirmed")
    # then
    received = Event.objects.get(organization=receiver.organization, biz_step="receiving")
    assert received.document["quantityList"][0]["epcClass"] == lot
    assert "No shipments are waiting for you." in tab.page.content()
    tab.finish()


def test_a_recall_is_acknowledged(browser_context: tuple[Any, str], live_server: Any) -> None:
    # given: the co-op harvested a lot that DOST recalls
    member = make_member()
    from django.utils import timezone

    from txng.portal.business.events import Entry, entry_capture

    entry_capture(
        actor=member.principal,
        organization=member.organization,
        entry=Entry(activity="harvesting", facility=member.facility, when=timezone.now(),
                    gtin=member.product.gtin, lot="R1", quantity=None),
    )  # fmt: skip
    recall = recall_open(
        actor=principal_for_user(officer("dost")),
        title="Gạo nhiễm aflatoxin",
        reason="Aflatoxin B1 vượt giới hạn",
        lots=[f"https://id.gs1.org/01/{member.product.gtin}/10/R1"],
        hazard_class=Recall.HazardClass.CLASS_1,
    )
    tab = journey(browser_context, live_server, "recall")
    # when
    tab.sign_in(member.user.username)
    tab.check("1-home-with-recall")
    tab.page.click("text=1 recall to acknowledge")
    tab.page.click(f"text={recall.code}")
    tab.page.click("#acknowledge button[type=submit]")
    tab.page.wait_for_load_state("load")
    tab.page.screenshot(path=str(ARTIFACTS / f"portal-{tab.name}-2-acknowledged.png"), full_page=True)
    # then
    assert RecallNotice.objects.get(organization=member.organization).acknowledged_at is not None
    tab.finish()


_ = revision_approve  # approval by DOST runs in the agency portal; journeys approve in their setup
