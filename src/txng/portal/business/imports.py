"""Bulk import: templates with Vietnamese headers, a dry run listing every row's error, then the import."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from txng.accounts.principal import Principal
from txng.core.errors import ServiceError
from txng.epcis.document import parse_document
from txng.epcis.services import events_capture
from txng.epcis.validation import EPCISValidationError
from txng.portal.models import ImportJob
from txng.registry.models import Organization
from txng.registry.services import RowError, facility_create, products_import

from .access import business_view
from .event_rows import HEADERS as EVENT_HEADERS
from .event_rows import events_import
from .forms import ImportForm
from .jobs import import_job_start

# Column headers of the downloadable templates (Vietnamese, as printed on the sheet) → service fields.
HEADERS: dict[str, dict[str, str]] = {
    "products": {
        "GTIN": "gtin",
        "Tên sản phẩm": "name",
        "Nhóm sản phẩm": "product_group",
        "Thương hiệu": "brand",
        "Đơn vị tính": "unit",
        "Quy cách": "net_content",
        "Hạn sử dụng (ngày)": "shelf_life_days",
        "Tiêu chuẩn áp dụng": "applied_standards",
    },
    "facilities": {
        "Loại cơ sở": "kind",
        "Tên cơ sở": "name",
        "GLN": "gln",
        "Mã số vùng trồng": "planting_area_code",
        "Địa chỉ": "address",
        "Vĩ độ": "latitude",
        "Kinh độ": "longitude",
        "Diện tích (ha)": "area_hectares",
    },
    "events": EVENT_HEADERS,
}
MAX_ROWS = 10_000


def _rows(upload: Any, kind: str) -> Iterator[dict[str, Any]]:
    """Rows of an uploaded CSV or XLSX file, keyed by service field names."""
    columns = HEADERS[kind]
    name = upload.name.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(upload, read_only=True, data_only=True).active
        values = sheet.iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(values, ())]
        records: Iterator[list[Any]] = (list(row) for row in values)
    else:
        text = io.TextIOWrapper(upload, encoding="utf-8-sig")
        reader = csv.reader(text)
        header = [cell.strip() for cell in next(reader, [])]
        records = iter(reader)
    for record in records:
        if not any(cell not in (None, "") for cell in record):
            continue
        yield {
            columns[title]: ("" if cell is None else str(cell).strip())
            for title, cell in zip(header, record, strict=False)
            if title in columns and cell not in (None, "")
        }


def facilities_import(
    *, actor: Principal, organization: Organization, rows: list[dict[str, Any]], dry_run: bool
) -> list[RowError]:
    """Facilities through facility_create, all or nothing: a dry run rolls every row back."""
    from django.db import transaction

    errors: list[RowError] = []

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            for number, row in enumerate(rows, start=1):
                try:
                    with transaction.atomic():
                        facility_create(
                            actor=actor,
                            organization=organization,
                            kind=row.pop("kind", ""),
                            name=row.pop("name", ""),
                            **row,
                        )
                except ServiceError as error:
                    errors.append(RowError(number, error.field, error.message, error.code))
            if errors or dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return errors


@business_view
def imports(request: HttpRequest, principal: Principal, organization: Organization) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: list[RowError] = []
    checked = 0
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        upload = form.cleaned_data["file"]
        dry_run = "check" in request.POST
        if kind == "epcis":
            content_type = "application/xml" if upload.name.lower().endswith(".xml") else "application/ld+json"
            try:
                document = parse_document(upload.read(), content_type)
                captured = events_capture(actor=principal, organization=organization, document=document)
            except (ServiceError, EPCISValidationError) as error:
                form.add_error("file", str(error))
            else:
                messages.success(request, _("%(count)d events captured.") % {"count": len(captured.event_ids)})
                return redirect("portal:business-imports")
        else:
            try:
                rows = list(_rows(upload, kind))[: MAX_ROWS + 1]
            except (ValueError, UnicodeDecodeError, KeyError, OSError):
                rows = []
                form.add_error("file", _("The file cannot be read; use the template."))
            if len(rows) > MAX_ROWS:
                form.add_error("file", _("At most 10,000 rows per file."))
            elif rows:
                checked = len(rows)
                # Every row is checked first (nothing written); only a clean file goes to the background.
                if kind == "events":
                    # One EPCIS document, captured at once by the bulk capture path: no background job.
                    try:
                        count, errors = events_import(
                            actor=principal, organization=organization, rows=rows, dry_run=dry_run
                        )
                    except (ServiceError, EPCISValidationError) as error:
                        form.add_error("file", str(error))
                        count = 0
                    if count:
                        messages.success(request, _("%(count)d events captured.") % {"count": count})
                        return redirect("portal:business-imports")
                elif kind == "products":
                    result = products_import(
                        actor=principal, organization=organization, rows=[dict(row) for row in rows], dry_run=True
                    )
                    errors = result.errors
                else:
                    errors = facilities_import(
                        actor=principal, organization=organization, rows=[dict(row) for row in rows], dry_run=True
                    )
                if not errors and not dry_run and kind != "events":
                    job = import_job_start(actor=principal, organization=organization, kind=kind, rows=rows)
                    return redirect("portal:business-import-job", pk=job.pk)
            elif not form.errors:
                form.add_error("file", _("The file has no rows."))
    context = {"form": form, "errors": errors, "checked": checked, "organization": organization}
    return render(request, "portal/business/imports.html", context, status=400 if form.errors else 200)


@business_view
def import_job(request: HttpRequest, principal: Principal, organization: Organization, pk: int) -> HttpResponse:
    """The progress bar of a background import; the page reloads itself until the job ends."""
    job = get_object_or_404(ImportJob.objects.defer("rows"), pk=pk, organization=organization)
    return render(request, "portal/business/import_job.html", {"job": job, "organization": organization})


@business_view
def import_template(request: HttpRequest, principal: Principal, organization: Organization, kind: str) -> HttpResponse:
    """The CSV template with Vietnamese column headers (UTF-8 with BOM, so spreadsheet programs open it right)."""
    if kind not in HEADERS:
        return HttpResponse(status=404)
    text = io.StringIO()
    text.write("\ufeff")
    csv.writer(text).writerow(list(HEADERS[kind]))
    response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="mau-{kind}.csv"'
    return response
