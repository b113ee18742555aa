"""Officer journeys in headless Chromium: review and approve a co-op and its product, reject one with a
reason the business then sees; a sector officer who cannot see another sector's business; record an
inspection with a violation and open a recall from it; produce the annual report and check its figures."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from txng.accounts.models import User
from txng.lineage.tests.chains import Business, harvest, lot_id
from txng.oversight.models import Recall
from txng.oversight.models_inspections import Violation
from txng.registry.models import OrganizationSector, ReviewStatus
from txng.registry.tests.factories import ProductGroupFactory, officer
from txng.reports.models import AnnualReport
from txng.reports.tasks import annual_report_task
from txng.review.models import ProfileRevision
from txng.testing import ARTIFACTS, AXE, CHROMIUM, LAUNCH_ARGS

from .conftest import submit_coop

PASSWORD = "mật-khẩu-thử-nghiệm"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's /usr/bin/chromium"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser_page(live_server: Any) -> Iterator[tuple[Any, list[str]]]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    hosts: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1024, "height": 900}, accept_downloads=True)
            host = urlsplit(live_server.url).hostname
            context.add_cookies([{"name": "django_language", "value": "en", "domain": host, "path": "/"}])
            page = context.new_page()
            page.on("request", lambda request: hosts.append(urlsplit(request.url).hostname or ""))
            yield page, hosts
        finally:
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    assert set(hosts) <= {"localhost", "127.0.0.1"}


def _with_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(page: Any, base: str, user: User, path: str = "/agency/login/") -> None:
    page.goto(base + path)
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_load_state()


def _axe(page: Any) -> None:
    if not AXE.exists():
        return  # vendored by the business portal's tests; not there yet
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run()")
    serious = [
        (v["id"], [n["html"][:120] for n in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_review_approve_a_coop_and_its_product_and_reject_another(
    live_server: Any, browser_page: tuple[Any, list[str]]
) -> None:
    # given
    page, _hosts = browser_page
    coop = submit_coop("HTX Lúa sạch Thới Lai")
    other = submit_coop("HTX Rau an toàn Phong Điền")
    reviewer = _with_password(officer("dost"))
    owner = _with_password(other.owner)
    # when: the reviewer approves the co-op and its product from the queue
    _sign_in(page, live_server.url, reviewer)
    page.goto(live_server.url + "/agency/review/")
    _axe(page)
    _shot(page, "agency-review-queue.png")
    for revision in (coop.organization_revision, coop.product_revision):
        page.click(f"tr[data-revision='{revision.pk}'] a")
        page.wait_for_selector("#checks")
        page.click("#approve-form button[type=submit]")
        page.wait_for_url("**/agency/review/")
    # and rejects the other co-op with a reason
    page.click(f"tr[data-revision='{other.organization_revision.pk}'] a")
    page.fill("#reject-form textarea[name=reason]", "Địa chỉ chưa khớp giấy đăng ký kinh doanh.")
    page.click("#reject-form button[type=submit]")
    page.wait_for_url("**/agency/review/")
    # then
    statuses = dict(ProfileRevision.objects.filter(organization=coop.organization).values_list("subject", "status"))
    assert statuses == {"organization": ReviewStatus.PUBLISHED, "product": ReviewStatus.PUBLISHED}
    coop.product.refresh_from_db()
    assert coop.product.is_published
    assert coop.product.name == "Gạo ST25 túi 5 kg"
    # and the business sees the reason in its portal
    page.context.clear_cookies()
    host = urlsplit(live_server.url).hostname
    page.context.add_cookies([{"name": "django_language", "value": "en", "domain": host, "path": "/"}])
    _sign_in(page, live_server.url, owner, "/portal/login/")
    page.goto(live_server.url + "/portal/review/")
    assert page.get_by_text("Địa chỉ chưa khớp giấy đăng ký kinh doanh.").first.is_visible()
    _shot(page, "agency-rejection-seen-by-business.png")


def test_sector_officer_cannot_see_another_sectors_business(
    live_server: Any, browser_page: tuple[Any, list[str]]
) -> None:
    # given
    page, _hosts = browser_page
    farm = submit_coop("HTX Nông sản sạch", sector="agriculture").organization
    clinic = submit_coop("Công ty Dược liệu", sector="health").organization
    agriculture = _with_password(officer("sector_department", sector="agriculture"))
    # when
    _sign_in(page, live_server.url, agriculture)
    page.goto(live_server.url + "/agency/businesses/")
    listed = page.locator("#businesses tbody td:first-child").all_inner_texts()
    forbidden = page.goto(live_server.url + f"/agency/businesses/{clinic.pk}/")
    # then
    assert listed == [farm.name]
    assert forbidden is not None
    assert forbidden.status == 404
    page.goto(live_server.url + "/agency/businesses/")
    _axe(page)


def test_record_an_inspection_with_a_violation_and_open_a_recall(
    live_server: Any, browser_page: tuple[Any, list[str]]
) -> None:
    # given
    page, _hosts = browser_page
    group = ProductGroupFactory(code="trai-cay", name="Trái cây", sector="agriculture", is_priority=True)
    farm = Business("HTX Xoài Cát Hòa Lộc")
    OrganizationSector.objects.create(organization=farm.organization, sector="agriculture")
    field = farm.facility("growing_area")
    gtin = farm.product("Xoài cát", group)
    farm.capture(harvest(field, lot_id(gtin, "XOAI-07"), 800, 1))
    inspector = _with_password(officer("sector_department", sector="agriculture", role="inspector"))
    # when: plan from the business's page
    _sign_in(page, live_server.url, inspector)
    page.goto(live_server.url + f"/agency/businesses/{farm.organization.pk}/")
    page.click("text=Plan an inspection")
    page.select_option("select[name=product_group]", str(group.pk))
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_selector("#checklist-form")
    # record the checklist: everything met but the pre-harvest interval
    for radio in page.locator("#checklist-form input[type=radio][value=pass]").all():
        radio.check()
    page.check("#checklist-form input[name='result_fruit-phi'][value=fail]")
    page.fill("#checklist-form textarea[name=findings]", "Thu hoạch sớm sau phun thuốc.")
    page.click("#checklist-form button[type=submit]")
    page.wait_for_selector("#checklist")
    # add a sample of the lot and the violation
    page.click("text=Add a sample")
    page.fill("input[name=sample-description]", "Xoài 1 kg")
    page.fill("input[name=sample-lot]", f"{gtin} XOAI-07")
    page.select_option("select[name=sample-result]", "non_conforming")
    page.click("#sample-form button[type=submit]")
    page.click("text=Record a violation")
    page.fill("textarea[name=violation-description]", "Dư lượng thuốc bảo vệ thực vật vượt mức")
    page.fill("input[name=violation-legal_basis]", "Nghị định 115/2018/NĐ-CP")
    page.fill("input[name=violation-fine_vnd]", "15000000")
    page.click("#violation-form button[type=submit]")
    page.wait_for_selector("#violations >> text=Open a recall")
    _shot(page, "agency-inspection.png")
    _axe(page)
    # open the recall from the violation: the form comes prefilled
    page.click("#violations >> text=Open a recall")
    assert page.input_value("textarea[name=lots]") == f"{gtin} XOAI-07"
    page.select_option("select[name=hazard_class]", "class_2")
    page.click("#recall-form button[type=submit]")
    page.wait_for_url("**/oversight/recalls/**")
    # then
    recall = Recall.objects.get()
    assert Violation.objects.get().recall_id == recall.pk
    assert recall.reason == "Dư lượng thuốc bảo vệ thực vật vượt mức"
    assert recall.code in page.content()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_produce_the_annual_report_and_check_its_figures(
    live_server: Any, browser_page: tuple[Any, list[str]], tmp_path: Path
) -> None:
    # given
    from txng.accounts.principal import OPERATOR
    from txng.reports import selectors
    from txng.reports.tests.data import YEAR, programme

    page, _hosts = browser_page
    data = programme()
    reviewer = _with_password(officer("dost"))
    # when: one click queues the report; the worker runs it; the progress page turns into downloads
    _sign_in(page, live_server.url, reviewer)
    page.goto(live_server.url + f"/agency/dashboard/?year={YEAR}")
    assert page.locator("svg.chart").count() == 8
    _axe(page)
    _shot(page, "agency-dashboard.png")
    page.goto(live_server.url + "/agency/annual/")
    page.select_option("select[name=year]", str(YEAR))
    page.click("text=Produce the report")
    page.wait_for_selector("#report-status")
    report = AnnualReport.objects.get()
    annual_report_task.call(report_id=report.pk)
    page.wait_for_selector("#pdf-link", timeout=15_000)  # the page polls every 2 s
    with page.expect_download() as download:
        page.click("#pdf-link")
    pdf = tmp_path / "report.pdf"
    download.value.save_as(str(pdf))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    # then: its figures are the database's
    summary = selectors.year_summary(OPERATOR, year=YEAR)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert summary.organizations == 4
    assert any(line.endswith(f" {summary.stamps_issued}") for line in lines)
    assert f"{summary.targets.share:.1f}".replace(".", ",") + " %" in text
    for organization in data.tracing:
        assert organization.name in text
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True
        )
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(next(tmp_path.glob("p*.png")), ARTIFACTS / "agency-annual-report-page-1.png")
