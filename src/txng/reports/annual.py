"""The annual report to the Ministry of Science and Technology (Plan 82/KH-UBND 2021, due 15 December):
the year's statistics and charts, progress to the plan's targets and the lists its appendix calls for,
as PDF (reportlab, a TTF font with Vietnamese diacritics) and XLSX (openpyxl). Texts go through gettext
with English msgids and are rendered in Vietnamese."""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Final

from django.core.files.base import ContentFile
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from txng.accounts.principal import OPERATOR
from txng.reports import selectors
from txng.reports.models import AnnualReport

REPORT_LANGUAGE: Final = "vi"
_FONTS: Final = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
    ),
)
LIST_LIMIT: Final = 500

Progress = Callable[[int, str], None]


@functools.cache
def _fonts() -> tuple[str, str]:
    # Vietnamese needs a font with its diacritics (Helvetica/WinAnsi has none).
    for regular, bold in _FONTS:
        if Path(regular).exists():
            pdfmetrics.registerFont(TTFont("TXNGReport", regular))
            pdfmetrics.registerFont(TTFont("TXNGReportBold", bold if Path(bold).exists() else regular))
            return "TXNGReport", "TXNGReportBold"
    return "Helvetica", "Helvetica-Bold"


def _number(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def _percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " %"


def collect(year: int, progress: Progress | None = None) -> dict[str, Any]:
    """Every figure of the report, as plain data (kept on the report row, written to PDF and XLSX)."""
    step = progress or (lambda _percent, _step: None)
    end = selectors.period_end(year)
    step(10, _("Counting businesses, products and events"))
    summary = selectors.year_summary(OPERATOR, year=year)
    step(30, _("Grouping by sector, ward and product group"))
    data: dict[str, Any] = {
        "year": year,
        "summary": {key: value for key, value in asdict(summary).items() if key not in ("targets", "extra")},
        "targets": {
            "products_traced": summary.targets.products_traced,
            "products_target": selectors.PRODUCTS_TARGET,
            "target_businesses": summary.targets.target_businesses,
            "target_businesses_traced": summary.targets.target_businesses_traced,
            "share": round(summary.targets.share, 1),
            "share_target_2025": selectors.SHARE_TARGET_2025,
            "share_target_2030": selectors.SHARE_TARGET_2030,
        },
        "by_sector": [list(row) for row in selectors.participation_by_sector(OPERATOR, before=end)],
        "by_ward": [list(row) for row in selectors.participation_by_ward(OPERATOR, before=end)],
        "by_group": [list(row) for row in selectors.products_by_group(OPERATOR, before=end)],
        "stamps": [list(row) for row in selectors.stamps_per_month(OPERATOR, year=year)],
        "inspections": [list(row) for row in selectors.inspections_per_month(OPERATOR, year=year)],
    }
    step(50, _("Listing product groups, businesses and products"))
    data["target_groups"] = selectors.target_groups()
    data["traced_businesses"] = selectors.traced_businesses(OPERATOR, before=end, limit=LIST_LIMIT)
    data["traced_products"] = selectors.traced_products(OPERATOR, before=end, limit=LIST_LIMIT)
    return data


def _headline(data: dict[str, Any]) -> list[tuple[str, str]]:
    summary, targets = data["summary"], data["targets"]
    return [
        (_("Registered businesses"), _number(summary["organizations"])),
        (_("Businesses tracing"), _number(summary["organizations_tracing"])),
        (_("Registered products"), _number(summary["products"])),
        (_("Published products"), _number(summary["products_published"])),
        (_("Events recorded in the year"), _number(summary["events"])),
        (_("Stamps issued in the year"), _number(summary["stamps_issued"])),
        (_("Scans in the year"), _number(summary["scans"])),
        (_("Inspections"), _number(summary["inspections"])),
        (_("Violations"), _number(summary["violations"])),
        (_("Recalls"), _number(summary["recalls"])),
        (_("Products traced"), f"{_number(targets['products_traced'])} / {targets['products_target']}"),
        (_("Target-group businesses"), _number(targets["target_businesses"])),
        (_("Target-group businesses tracing"), _number(targets["target_businesses_traced"])),
        (_("Share of the target group tracing"), _percent(targets["share"])),
    ]


def _chart(rows: list[list[Any]], series: list[str], font: str) -> Drawing:
    drawing = Drawing(170 * mm, 60 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 12 * mm, 150 * mm, 42 * mm
    chart.data = [[float(row[index + 1]) for row in rows] or [0.0] for index in range(len(series))]
    chart.categoryAxis.categoryNames = [str(row[0])[:12] for row in rows] or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    for index, color in enumerate((colors.HexColor("#1f6f43"), colors.HexColor("#c0392b"))):
        if index < len(series):
            chart.bars[index].fillColor = color
    drawing.add(chart)
    for index, name in enumerate(series):
        drawing.add(String(14 * mm + index * 50 * mm, 57 * mm, name, fontName=font, fontSize=8))
    return drawing


def _table(rows: list[list[Any]], font: str, bold: str, widths: list[float] | None = None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTNAME", (0, 0), (-1, 0), bold),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f1ec")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_pdf(data: dict[str, Any]) -> bytes:
    font, bold = _fonts()
    title_style = ParagraphStyle("title", fontName=bold, fontSize=15, leading=19, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    year = data["year"]
    targets = data["targets"]
    story: list[Any] = [
        Paragraph(_("Report on traceability in Can Tho City, %(year)s") % {"year": year}, title_style),
        Paragraph(
            _(
                "To the Ministry of Science and Technology, under Plan 82/KH-UBND of 12 April 2021. "
                "Prepared on %(date)s."
            )
            % {"date": timezone.localdate().strftime("%d/%m/%Y")},
            body,
        ),
        Paragraph(_("1. Figures of the year"), heading),
        _table([[_("Figure"), _("Value")], *[[k, v] for k, v in _headline(data)]], font, bold, [110 * mm, 50 * mm]),
        Paragraph(_("2. Progress to the plan's targets"), heading),
        _table(
            [
                [_("Target"), _("Goal"), _("Reached"), _("Met")],
                [
                    _("Products traced"),
                    f"≥ {targets['products_target']}",
                    _number(targets["products_traced"]),
                    _("yes") if targets["products_traced"] >= targets["products_target"] else _("no"),
                ],
                [
                    _("Target-group businesses tracing by 2025"),
                    f"≥ {_percent(targets['share_target_2025'])}",
                    _percent(targets["share"]),
                    _("yes") if targets["target_businesses"] and targets["share"] >= 30 else _("no"),
                ],
                [
                    _("Target-group businesses tracing by 2030"),
                    _percent(targets["share_target_2030"]),
                    _percent(targets["share"]),
                    _("yes") if targets["target_businesses"] and targets["share"] >= 100 else _("no"),
                ],
            ],
            font,
            bold,
            [80 * mm, 25 * mm, 25 * mm, 20 * mm],
        ),
        Paragraph(_("3. Businesses by sector"), heading),
        _table([[_("Sector"), _("Businesses"), _("Tracing")], *data["by_sector"]], font, bold),
        Spacer(1, 4 * mm),
        _chart(data["by_sector"], [_("Businesses"), _("Tracing")], font),
        Paragraph(_("4. Businesses by ward"), heading),
        _table([[_("Ward/commune"), _("Businesses"), _("Tracing")], *data["by_ward"][:60]], font, bold),
        Paragraph(_("5. Products by group"), heading),
        _table([[_("Product group"), _("Products")], *data["by_group"]], font, bold),
        Paragraph(_("6. Stamps issued and scanned"), heading),
        _chart(data["stamps"], [_("Issued"), _("Scanned")], font),
        Paragraph(_("7. Inspections and violations"), heading),
        _chart(data["inspections"], [_("Inspections"), _("Violations")], font),
        Paragraph(_("Appendix 1. Mandatory and priority product groups"), heading),
        _table(
            [
                [_("Product group"), _("Sector"), _("Mandatory"), _("Priority"), _("Businesses"), _("Products")],
                *[
                    [
                        Paragraph(row["name"], body),
                        row["sector"],
                        _("yes") if row["mandatory"] else "",
                        _("yes") if row["priority"] else "",
                        row["businesses"],
                        row["products"],
                    ]
                    for row in data["target_groups"]
                ],
            ],
            font,
            bold,
        ),
        Paragraph(_("Appendix 2. Businesses of the target group that trace"), heading),
        _table(
            [
                [_("Business"), _("Tax code"), _("Ward/commune")],
                *[[Paragraph(r["name"], body), r["tax_code"], r["ward"]] for r in data["traced_businesses"]],
            ],
            font,
            bold,
            [90 * mm, 30 * mm, 50 * mm],
        ),
        Paragraph(_("Appendix 3. Products traced"), heading),
        _table(
            [
                [_("Product"), _("GTIN"), _("Business"), _("Product group")],
                *[
                    [Paragraph(r["name"], body), r["gtin"], Paragraph(r["organization"], body), r["group"]]
                    for r in data["traced_products"]
                ],
            ],
            font,
            bold,
            [55 * mm, 30 * mm, 55 * mm, 35 * mm],
        ),
    ]
    stream = io.BytesIO()
    document = SimpleDocTemplate(
        stream,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=_("Report on traceability in Can Tho City, %(year)s") % {"year": year},
        author="OpenTXNG",
    )
    document.build(story)
    return stream.getvalue()


def _sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of : \\ / ? * [ ] (translations may have them)."""
    return re.sub(r"[:\\/?*\[\]]", "-", text)[:31]


def render_xlsx(data: dict[str, Any]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _sheet_title(_("Summary"))
    sheet.append([_("Report on traceability in Can Tho City, %(year)s") % {"year": data["year"]}])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([])
    sheet.append([_("Figure"), _("Value")])
    summary, targets = data["summary"], data["targets"]
    numbers = [
        (_("Registered businesses"), summary["organizations"]),
        (_("Businesses tracing"), summary["organizations_tracing"]),
        (_("Registered products"), summary["products"]),
        (_("Published products"), summary["products_published"]),
        (_("Events recorded in the year"), summary["events"]),
        (_("Stamps issued in the year"), summary["stamps_issued"]),
        (_("Scans in the year"), summary["scans"]),
        (_("Inspections"), summary["inspections"]),
        (_("Violations"), summary["violations"]),
        (_("Recalls"), summary["recalls"]),
        (_("Products traced"), targets["products_traced"]),
        (_("Target-group businesses"), targets["target_businesses"]),
        (_("Target-group businesses tracing"), targets["target_businesses_traced"]),
        (_("Share of the target group tracing"), targets["share"]),
    ]
    for row in numbers:
        sheet.append(list(row))
    sheet.column_dimensions["A"].width = 48

    def add_sheet(title: str, header: list[str], rows: list[list[Any]], chart_title: str = "") -> None:
        ws = workbook.create_sheet(_sheet_title(title))
        ws.append(header)
        for row in rows:
            ws.append(list(row))
        ws.column_dimensions["A"].width = 40
        if chart_title and rows:
            chart = BarChart()
            chart.title = chart_title
            values = Reference(ws, min_col=2, max_col=len(header), min_row=1, max_row=len(rows) + 1)
            chart.add_data(values, titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(rows) + 1))
            ws.add_chart(chart, f"{chr(ord('A') + len(header) + 1)}2")

    add_sheet(
        _("By sector"), [_("Sector"), _("Businesses"), _("Tracing")], data["by_sector"], _("Businesses by sector")
    )
    add_sheet(_("By ward"), [_("Ward/commune"), _("Businesses"), _("Tracing")], data["by_ward"])
    add_sheet(_("By group"), [_("Product group"), _("Products")], data["by_group"], _("Products by group"))
    add_sheet(_("Stamps"), [_("Month"), _("Issued"), _("Scanned")], data["stamps"], _("Stamps issued and scanned"))
    add_sheet(
        _("Inspections"),
        [_("Month"), _("Inspections"), _("Violations")],
        data["inspections"],
        _("Inspections and violations"),
    )
    add_sheet(
        _("Product groups"),
        [_("Product group"), _("Sector"), _("Mandatory"), _("Priority"), _("Businesses"), _("Products")],
        [
            [r["name"], r["sector"], r["mandatory"], r["priority"], r["businesses"], r["products"]]
            for r in data["target_groups"]
        ],
    )
    add_sheet(
        _("Businesses tracing"),
        [_("Business"), _("Tax code"), _("Ward/commune")],
        [[r["name"], r["tax_code"], r["ward"]] for r in data["traced_businesses"]],
    )
    add_sheet(
        _("Products traced"),
        [_("Product"), _("GTIN"), _("Business"), _("Product group")],
        [[r["name"], r["gtin"], r["organization"], r["group"]] for r in data["traced_products"]],
    )
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def annual_report_generate(report: AnnualReport) -> AnnualReport:
    """Fill one report row: figures, PDF and XLSX, updating its progress as it goes."""

    def step(percent: int, text: str) -> None:
        report.progress = percent
        report.step = text[:200]
        report.save(update_fields=["progress", "step"])

    report.status = AnnualReport.Status.RUNNING
    report.save(update_fields=["status"])
    try:
        with translation.override(REPORT_LANGUAGE):
            data = collect(report.year, step)
            step(70, _("Writing the PDF"))
            pdf = render_pdf(data)
            step(85, _("Writing the spreadsheet"))
            xlsx = render_xlsx(data)
    except Exception as error:
        report.status = AnnualReport.Status.FAILED
        report.error = repr(error)[:2000]
        report.finished_at = timezone.now()
        report.save(update_fields=["status", "error", "finished_at"])
        raise
    name = f"bao-cao-truy-xuat-{report.year}-{report.pk}"
    report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
    report.xlsx.save(f"{name}.xlsx", ContentFile(xlsx), save=False)
    report.figures = data
    report.status = AnnualReport.Status.DONE
    report.progress = 100
    report.step = ""
    report.finished_at = timezone.now()
    report.save()
    return report
