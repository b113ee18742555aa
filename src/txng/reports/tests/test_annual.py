"""The annual report: produced by the background task, its PDF rendered to PNG and its numbers checked."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from txng.accounts.principal import OPERATOR
from txng.registry.models import Organization
from txng.reports import selectors
from txng.reports.models import AnnualReport
from txng.reports.tasks import annual_report_task

from .data import YEAR, programme

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"


def _produce() -> AnnualReport:
    report = AnnualReport.objects.create(year=YEAR)
    annual_report_task.call(report_id=report.pk)
    report.refresh_from_db()
    return report


def test_task_produces_pdf_and_xlsx_with_the_database_figures() -> None:
    # given
    data = programme()
    # when
    report = _produce()
    # then
    assert report.status == AnnualReport.Status.DONE
    assert report.progress == 100
    summary = selectors.year_summary(OPERATOR, year=YEAR)
    assert report.figures["summary"]["organizations"] == Organization.objects.count() == summary.organizations
    assert report.figures["targets"]["target_businesses_traced"] == 2
    assert {row["name"] for row in report.figures["traced_businesses"]} == {o.name for o in data.tracing}
    assert report.pdf.read()[:5] == b"%PDF-"
    workbook = load_workbook(io.BytesIO(report.xlsx.read()))
    first = workbook.worksheets[0]
    values = {row[0]: row[1] for row in first.iter_rows(min_row=4, values_only=True) if row[0]}
    assert len(workbook.worksheets) == 9
    assert summary.organizations in values.values()
    assert summary.stamps_issued == 12
    assert 12 in values.values()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_pdf_text_has_the_numbers_and_the_vietnamese_names(tmp_path: Path) -> None:
    # given
    data = programme()
    report = _produce()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.pdf.read())
    # when
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True).stdout.decode()
    # then: the Vietnamese names survive with their diacritics, and the key figures are there
    for organization in data.tracing:
        assert organization.name in text
    assert "Xoài cát Hòa Lộc" in text
    assert "Thủy sản" in text
    assert "66,7 %" in text  # 2 of the 3 target-group businesses trace
    assert str(YEAR) in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert any(line.endswith(" 4") and "Doanh nghiệp đã đăng ký" in line for line in lines)
    assert any(line.endswith(" 12") for line in lines)  # stamps issued


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler-utils (pdftoppm)")
def test_pdf_renders_to_png(tmp_path: Path) -> None:
    # given
    programme()
    report = _produce()
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.pdf.read())
    # when
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True)
    # then
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    assert pages[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pages[0].stat().st_size > 5_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pages[0], ARTIFACTS / "annual-report-page-1.png")


def test_failed_generation_is_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    # given
    from txng.reports import annual

    def broken(data: object) -> bytes:
        raise RuntimeError("font missing")

    monkeypatch.setattr(annual, "render_pdf", broken)
    report = AnnualReport.objects.create(year=YEAR)
    # when
    with pytest.raises(RuntimeError):
        annual.annual_report_generate(report)
    # then
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.FAILED
    assert "font missing" in report.error
