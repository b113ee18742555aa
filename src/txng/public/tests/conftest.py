from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from txng.accounts.models import Agency
from txng.accounts.principal import OPERATOR
from txng.core.demo import demo_tax_code, load_demo_data
from txng.oversight.models import AffectedLot, Recall, RecallNotice
from txng.public.selectors import recalled_gtins_forget
from txng.public.views import product_pages_forget
from txng.registry import services
from txng.registry.models import Facility, Organization, Product
from txng.review.models import ProfileRevision
from txng.review.services import revision_reject, revision_submit


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    # Per-process caches outlive a test's rolled-back data.
    recalled_gtins_forget()
    product_pages_forget()


@pytest.fixture
def demo(db: Any) -> dict[str, int]:
    """The Cần Thơ demo data set (real OCOP product names); one producer in it is left unpublished."""
    return load_demo_data()


@dataclass
class Hidden:
    """Data that must never reach a public page, export, sitemap or API answer, and how to spot it."""

    products: list[Product]
    organization: Organization
    facility: Facility
    recalls: list[Recall]  # a mock drill and a cancelled recall

    @property
    def markers(self) -> list[str]:
        values = [self.organization.name, self.organization.tax_code, self.facility.name]
        values += [recall.title for recall in self.recalls] + [recall.code for recall in self.recalls]
        for product in self.products:
            values += [product.name, product.gtin]
        return values


@pytest.fixture
def hidden(demo: Any) -> Hidden:
    """A rejected product of a published producer (with a certificate and OCOP stars), the unpublished
    Thuận Hưng group of the demo data, and a product flagged published under that unpublished group."""
    published = Organization.objects.get(tax_code=demo_tax_code("hoquangtri"))
    rejected = services.product_create(
        actor=OPERATOR, organization=published, gtin="08936009990016", name="Nước mắm cá linh Hồng Ngự"
    )
    revision = ProfileRevision.objects.get(product=rejected)
    revision_submit(actor=OPERATOR, revision=revision)
    revision_reject(actor=OPERATOR, revision=revision, reason="Thiếu giấy chứng nhận an toàn thực phẩm.")
    services.certification_create(
        actor=OPERATOR, organization=published, kind="haccp", number="HACCP-HIDDEN-01", product=rejected,
        expires_on=datetime.date(2030, 1, 1),
    )  # fmt: skip
    services.ocop_rating_create(actor=OPERATOR, product=rejected, stars=4, issued_on=datetime.date(2025, 1, 10))
    unpublished = Organization.objects.get(name="Tổ hợp tác bánh tráng Thuận Hưng")
    assert not unpublished.is_published
    flagged = Product.objects.filter(organization=unpublished).order_by("pk").first()
    assert flagged is not None
    Product.objects.filter(pk=flagged.pk).update(is_published=True)
    products = [rejected, *Product.objects.filter(organization=unpublished)]
    facility = Facility.objects.get(organization=unpublished)
    public = make_recall("TH-2026-0001", "Thu hồi gạo nhiễm nấm mốc", Recall.Status.OPENED)
    add_lot(public, Product.objects.get(name="Gạo ST25"), "L2026-07")
    add_lot(public, rejected, "NM-01")
    add_lot(public, products[1], "BT-01")
    mock = make_recall("DT-2026-0001", "Diễn tập thu hồi bánh pía", Recall.Status.OPENED, is_mock=True)
    cancelled = make_recall("TH-2026-0002", "Thu hồi nhầm mật ong", Recall.Status.CANCELLED)
    recalled_gtins_forget()
    return Hidden(products, unpublished, facility, [mock, cancelled])


def make_recall(code: str, title: str, status: str, *, is_mock: bool = False, days_ago: int = 3) -> Recall:
    """A recall row as the oversight services leave it (opened by the DOST of the demo data)."""
    opened = timezone.now() - datetime.timedelta(days=days_ago)
    return Recall.objects.create(
        code=code, title=title, reason="Phát hiện aflatoxin vượt ngưỡng cho phép.",
        legal_basis="Luật An toàn thực phẩm 2010", hazard_class=Recall.HazardClass.CLASS_1, is_mock=is_mock,
        status=status, agency=Agency.objects.order_by("pk")[0],
        opened_at=opened, response_deadline=opened + datetime.timedelta(days=2),
        closed_at=opened + datetime.timedelta(days=1) if status == Recall.Status.CLOSED else None,
    )  # fmt: skip


def add_lot(recall: Recall, product: Product, lot: str) -> AffectedLot:
    """A lot of `product`, held by its producer, reached by the recall."""
    identifier = f"https://id.gs1.org/01/{product.gtin}/10/{lot}"
    RecallNotice.objects.get_or_create(
        recall=recall, organization_id=product.organization_id, defaults={"notified_at": recall.opened_at}
    )
    return AffectedLot.objects.create(
        recall=recall, organization_id=product.organization_id, lot_node_id=AffectedLot.objects.count() + 1,
        identifier=identifier, gtin=product.gtin, lot=lot, product_name=product.name, is_recalled_lot=True,
    )  # fmt: skip
