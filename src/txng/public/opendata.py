"""Open data: the published catalog, producers and recalls as CSV and JSON, and the sitemaps.

Every row comes from txng.public.selectors, which only ever read published data. The schema below is the
documentation shown on the open-data page and in README.md; change them together.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Final
from xml.sax.saxutils import escape

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import http_date
from django.utils.translation import gettext_lazy as _

from txng.public import selectors

SITEMAP_SIZE: Final = 10_000

LICENCE: Final = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Nguồn: Hệ thống truy xuất nguồn gốc thành phố Cần Thơ (OpenTXNG)",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: Promise


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: Promise
    description: Promise
    fields: tuple[Field, ...]
    records: Callable[[], Iterable[dict[str, Any]]]
    last_modified: Callable[[], datetime.datetime | None]


PRODUCT_FIELDS = (
    Field("gtin", "string", _("GTIN-14 of the product")),
    Field("name", "string", _("Product name")),
    Field("name_en", "string", _("English name")),
    Field("brand", "string", _("Brand")),
    Field("net_content", "string", _("Net content")),
    Field("shelf_life_days", "integer|null", _("Shelf life in days")),
    Field("applied_standards", "string", _("Applied standards")),
    Field("group_code", "string", _("Product group code")),
    Field("group_name", "string", _("Product group")),
    Field("is_priority_group", "boolean", _("The group is a priority group of the city")),
    Field("producer_id", "integer", _("Producer number on this site")),
    Field("producer_name", "string", _("Producer")),
    Field("producer_tax_code", "string", _("Producer tax code")),
    Field("ward_code", "string", _("Ward/commune code of the producer")),
    Field("ward_name", "string", _("Ward/commune of the producer")),
    Field("ocop_stars", "integer|null", _("Current OCOP stars")),
    Field("ocop_valid_until", "date|null", _("OCOP rating valid until")),
    Field("certifications", "list", _("Certificates of the product: kind, number, expiry date")),
    Field("digital_link", "uri", _("GS1 Digital Link of the product")),
    Field("updated_at", "datetime", _("Last change")),
)
PRODUCER_FIELDS = (
    Field("id", "integer", _("Producer number on this site")),
    Field("name", "string", _("Legal name")),
    Field("name_en", "string", _("English name")),
    Field("kind", "string", _("Kind of business")),
    Field("tax_code", "string", _("Tax code")),
    Field("address", "string", _("Address")),
    Field("ward_code", "string", _("Ward/commune code")),
    Field("ward_name", "string", _("Ward/commune")),
    Field("phone", "string", _("Phone")),
    Field("website", "uri", _("Website")),
    Field("gln", "string", _("GLN")),
    Field("published_products", "integer", _("Number of published products")),
    Field("updated_at", "datetime", _("Last change")),
)

DATASETS: dict[str, Dataset] = {
    "san-pham": Dataset(
        "san-pham",
        _("Published products"),
        _("Every published product of a published producer, by GTIN."),
        PRODUCT_FIELDS,
        lambda: selectors.product_records(),
        selectors.products_last_modified,
    ),
    "nha-san-xuat": Dataset(
        "nha-san-xuat",
        _("Published producers"),
        _("Every published producer, by number."),
        PRODUCER_FIELDS,
        lambda: selectors.producer_records(),
        selectors.products_last_modified,
    ),
}


def register(dataset: Dataset) -> None:
    """Add a data set (the recalls register theirs when the oversight app provides them)."""
    DATASETS[dataset.slug] = dataset


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(
            " ".join(str(part) for part in (item.values() if isinstance(item, dict) else [item]) if part)
            for item in value
        )
    return str(value)


def _csv_rows(dataset: Dataset) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel opens UTF-8 with a byte-order mark correctly (Vietnamese letters)
    writer.writerow([field.name for field in dataset.fields])
    for record in dataset.records():
        writer.writerow([_csv_value(record.get(field.name)) for field in dataset.fields])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _json_rows(dataset: Dataset) -> Iterator[str]:
    head = {
        "dataset": dataset.slug,
        "title": str(dataset.title),
        "licence": LICENCE,
        "generated_at": datetime.datetime.now(tz=datetime.UTC).isoformat(),
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ',"items":['
    first = True
    for record in dataset.records():
        yield ("" if first else ",") + json.dumps(record, ensure_ascii=False)
        first = False
    yield "]}"


def download_response(dataset: Dataset, extension: str) -> StreamingHttpResponse:
    """The data set streamed as CSV or JSON, with its licence in a Link header."""
    if extension == "csv":
        response = StreamingHttpResponse(_csv_rows(dataset), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_json_rows(dataset), content_type="application/json; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{dataset.slug}.{extension}"'
    response.headers["Link"] = f'<{LICENCE["url"]}>; rel="license"'
    modified = dataset.last_modified()
    if modified is not None:
        response.headers["Last-Modified"] = http_date(modified.timestamp())
    return response


# --------------------------------------------------------------------------------------------- sitemaps

_STATIC_PAGES = ("public:search", "public:catalog", "public:map", "public:open-data")


def _section_counts() -> dict[str, int]:
    return {
        "pages": 1,
        "products": max(1, math.ceil(selectors.published_products().count() / SITEMAP_SIZE)),
        "producers": max(1, math.ceil(selectors.published_organizations().count() / SITEMAP_SIZE)),
    }


def sitemap_index_xml(base: str) -> str:
    """The sitemap index listing every section file."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for section, count in _section_counts().items():
        for number in range(1, count + 1):
            url = base + reverse("public:sitemap-section", kwargs={"section": section, "number": number})
            lines.append(f"<sitemap><loc>{escape(url)}</loc></sitemap>")
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"


def _urls(section: str, number: int) -> list[tuple[str, datetime.datetime | None]] | None:
    start, stop = (number - 1) * SITEMAP_SIZE, number * SITEMAP_SIZE
    if section == "pages":
        if number != 1:
            return None
        never: datetime.datetime | None = None
        return [(reverse(name), never) for name in ("home", *_STATIC_PAGES, *EXTRA_PAGES)]
    if section == "products":
        rows = selectors.published_products().order_by("gtin").values_list("gtin", "updated_at")[start:stop]
        return [(reverse("public:product", kwargs={"gtin": gtin}), updated) for gtin, updated in rows]
    if section == "producers":
        producers = selectors.published_organizations().order_by("pk").values_list("pk", "updated_at")[start:stop]
        return [(reverse("public:producer", args=[pk]), updated) for pk, updated in producers]
    return None


EXTRA_PAGES: list[str] = []  # URL names added by optional parts (the recall list)


def sitemap_xml(base: str, section: str, number: int) -> str | None:
    """One section's urlset, or None when there is no such section or page."""
    urls = _urls(section, number)
    if urls is None or (not urls and number > 1):
        return None
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path, modified in urls:
        last = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified is not None else ""
        lines.append(f"<url><loc>{escape(base + path)}</loc>{last}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"
