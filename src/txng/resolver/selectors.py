"""Reads of the resolver: what a scanned code identifies, its links, the verdict and the consumer page data."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from txng.codes.cache import TTLCache
from txng.codes.models import StampBatch
from txng.codes.selectors import StampCheck, StampMatch, stamp_find
from txng.epcis import vocabulary as voc
from txng.epcis.models import Event, EventIdentifier
from txng.gs1 import CANONICAL_BASE, DigitalLink, location_trace_code
from txng.iot.selectors import ColdChainSummary, cold_chain_summary
from txng.ledger.selectors import LedgerStatus, ledger_statuses_for_events
from txng.lineage.models import Lot
from txng.lineage.selectors import Scope, lot_trace
from txng.oversight.models import Recall
from txng.oversight.selectors import recall_active_for_lot, recalls_for_product
from txng.registry.models import Certification, Facility, OcopRating, Organization, Product
from txng.resolver import scanlog
from txng.resolver.links import Link
from txng.resolver.models import ProductLink, Scan, Verdict
from txng.resolver.risk import PIN_WINDOW, PinEntry, ScanPoint

if TYPE_CHECKING:
    from txng.public.mapping import MapView

_LOCATION_RE = re.compile(r"^https://id\.gs1\.org/414/(\d{13})(?:/254/([^/?#]+))?$")
JOURNEY_LIMIT = 50
# The scans of one stamp the verdict and the counterfeit rules look at (newest first).
STAMP_SCANS_LIMIT: Final = 500
# How long a process may go on answering for a product as it was (published, name) after a change made
# elsewhere; see txng.codes.cache. Unknown GTINs are remembered too: copied labels repeat them.
PRODUCT_CACHE_SECONDS: Final = 5.0
_hot_products: TTLCache[Product | None] = TTLCache(ttl=PRODUCT_CACHE_SECONDS, size=4096)


@dataclass
class Resolution:
    """What a Digital Link names, seen by the public."""

    link: DigitalLink
    product: Product | None = None
    location: Facility | Organization | None = None
    match: StampMatch | None = None
    verdict: str = Verdict.NOT_IN_SYSTEM
    # The stamp's earlier scans (newest first, at most STAMP_SCANS_LIMIT), read once for the verdict and
    # handed on to the counterfeit rules when this scan is logged; None when not read.
    stamp_scans: list[ScanPoint] | None = None
    stamp_pins: list[PinEntry] | None = None  # its PIN entries of the last PIN_WINDOW, read with them
    visitor: str = ""  # the keyed hash of the visitor's address the verdict was given for

    @property
    def gtin(self) -> str:
        return self.link.value("01") or ""

    @property
    def serial(self) -> str:
        return self.link.value("21") or ""

    @property
    def lot(self) -> str:
        """The lot from the code, else the one its stamp batch was bound to (possibly after printing)."""
        batch = self.batch
        return self.link.value("10") or (batch.lot if batch is not None else "")

    @property
    def batch(self) -> StampBatch | None:
        if self.match is None or self.match.check != StampCheck.AUTHENTIC:
            return None
        return self.match.batch

    @property
    def organization_id(self) -> int | None:
        if self.product is not None:
            return self.product.organization_id
        if isinstance(self.location, Facility):
            return self.location.organization_id
        return self.location.pk if self.location is not None else None

    @property
    def found(self) -> bool:
        return self.product is not None or self.location is not None


def _expired(link: DigitalLink) -> bool:
    raw = link.value("17")  # expiration date YYMMDD; DD = 00 means the month's last day (GS1 GS §3.4.6)
    if raw is None or len(raw) != 6:
        return False
    year, month, day = 2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:])
    if day == 0:
        next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
        expiry = next_month - datetime.timedelta(days=1)
    else:
        expiry = datetime.date(year, month, day)
    return expiry < timezone.localdate()


def _batch_verdict(batch: StampBatch) -> str | None:
    return {
        StampBatch.Status.ISSUED: Verdict.NOT_ACTIVATED,
        StampBatch.Status.SUSPENDED: Verdict.SUSPENDED,
        StampBatch.Status.VOIDED: Verdict.VOIDED,
    }.get(StampBatch.Status(batch.status))


def identifier_resolve(link: DigitalLink, *, visitor: str = "") -> Resolution:
    """Find the product (or location) and, for a serialised code, check the stamp and give the verdict."""
    resolution = Resolution(link, visitor=visitor)
    ai, value = link.primary_key
    if ai == "414":
        resolution.location = location_get(gln=value, extension=link.value("254") or "")
        resolution.verdict = Verdict.PRODUCT_ONLY if resolution.location is not None else Verdict.NOT_IN_SYSTEM
        return resolution
    if ai != "01":
        return resolution
    resolution.product = product_published(gtin=value)
    if resolution.product is None:
        return resolution
    if not resolution.serial:
        resolution.verdict = Verdict.EXPIRED if _expired(link) else Verdict.PRODUCT_ONLY
        return resolution
    match = stamp_find(gtin=value, serial=resolution.serial, lot=link.value("10"))
    resolution.match = match
    if match.check != StampCheck.AUTHENTIC:
        resolution.verdict = Verdict.COUNTERFEIT
        return resolution
    assert match.batch is not None
    assert match.index is not None
    status_verdict = _batch_verdict(match.batch)
    if status_verdict is not None:
        resolution.verdict = status_verdict
    elif _expired(link):
        resolution.verdict = Verdict.EXPIRED
    else:
        scans, resolution.stamp_pins = scanlog.stamp_record(
            batch_id=match.batch.pk, index=match.index, limit=STAMP_SCANS_LIMIT, pins_since=timezone.now() - PIN_WINDOW
        )
        resolution.stamp_scans = scans
        checked_by_others = any(scan.visitor != visitor for scan in scans)
        if not checked_by_others and len(scans) == STAMP_SCANS_LIMIT:  # older scans may be someone else's
            checked_by_others = (
                Scan.objects.filter(batch=match.batch, stamp_index=match.index).exclude(ip_hash=visitor).exists()
            )
        resolution.verdict = Verdict.CHECKED_BEFORE if checked_by_others else Verdict.GENUINE
    return resolution


def product_published(*, gtin: str) -> Product | None:
    """The published product of a published organization with this GTIN (shared, read only; cached briefly)."""

    def load() -> Product | None:
        # Most misses are codes we never issued (copied or invented labels): one plain query says so
        # before the ORM builds the whole product (scanlog's reason: building the query costs more).
        product_id = scanlog.published_product_id(gtin)
        if product_id is None:
            return None
        return Product.objects.select_related("organization").filter(pk=product_id).first()

    return _hot_products.get(gtin, load)


def product_forget(gtin: str | None = None) -> None:
    """Drop a product (or every product) from this process's cache after a change."""
    if gtin is None:
        _hot_products.clear()
    else:
        _hot_products.discard(gtin)


def stamp_scans(*, batch: StampBatch, index: int) -> list[ScanPoint]:
    """The stamp's scans, newest first (at most STAMP_SCANS_LIMIT)."""
    return scanlog.stamp_scans(batch_id=batch.pk, index=index, limit=STAMP_SCANS_LIMIT)


def location_get(*, gln: str, extension: str = "") -> Facility | Organization | None:
    """A published organization's facility (or the organization itself) with this GLN."""
    facility = (
        Facility.objects.filter(gln=gln, gln_extension=extension, organization__is_published=True)
        .select_related("organization", "administrative_unit")
        .first()
    )
    if facility is not None or extension:
        return facility
    return Organization.objects.filter(gln=gln, is_published=True).first()


def product_links(resolution: Resolution, *, page_url: str, everything: bool, recall_url: str = "") -> list[Link]:
    """Links of a product: the consumer page (default, gs1:pip), then, when asked for, every other link.

    A code with qualifiers (lot, serial) also gets the GTIN-level links (conformance: "any links associated
    with each level up to the primary key SHALL be included"). While an agency's recall concerns the lot
    (or, for a code without a lot, any lot of the product), gs1:recallStatus is the public recall status
    page at `recall_url`, in place of any recall link of the business: the agency's word is authoritative.
    """
    product = resolution.product
    if product is None:
        if resolution.location is None:
            return []
        return [Link("gs1:locationInfo", page_url, str(resolution.location), is_default=True, is_ours=True)]
    links = [Link("gs1:pip", page_url, product.name, is_default=True, is_ours=True)]
    if not everything:
        return links
    links.append(Link("gs1:traceability", page_url + "#journey", _("Journey of this product"), is_ours=True))
    has_certificates = (
        Certification.objects.filter(Q(product=product) | Q(organization_id=product.organization_id, product=None))
        .values("pk")
        .exists()
        or OcopRating.objects.filter(product=product).exists()
    )
    if has_certificates:
        links.append(
            Link("gs1:certificationInfo", page_url + "#certifications", _("Certificates and OCOP"), is_ours=True)
        )
    is_recalled = bool(recall_url) and _is_recalled(product, resolution.lot)
    if is_recalled:
        links.append(Link("gs1:recallStatus", recall_url, _("Recall status")))
    for row in ProductLink.objects.filter(product=product, is_active=True).order_by("pk"):
        if is_recalled and row.link_type == "gs1:recallStatus":
            continue
        links.append(Link(row.link_type, row.href, row.title, row.language, row.context, row.media_type))
    return links


def _is_recalled(product: Product, lot: str) -> bool:
    if lot:
        return recall_active_for_lot(gtin=product.gtin, lot=lot) is not None
    return bool(recalls_for_product(gtin=product.gtin))


def product_links_of_type(product: Product, link_type: str) -> list[Link]:
    """A business's own links of one type (for linkType requests other than our built-in ones)."""
    rows = ProductLink.objects.filter(product=product, is_active=True, link_type=link_type).order_by("pk")
    return [Link(r.link_type, r.href, r.title, r.language, r.context, r.media_type) for r in rows]


# ---------------------------------------------------------------------------------------- consumer page


@dataclass
class JourneyStep:
    time: datetime.datetime
    step: str
    place: str
    address: str
    location_code: str
    event_type: str
    event_id: str = ""
    ledger: LedgerStatus | None = None
    is_this_lot: bool = True  # False: an event of a source lot or of its growing area's diary


@dataclass
class StampHistory:
    count: int = 0
    first_at: datetime.datetime | None = None
    first_latitude: Any = None
    first_longitude: Any = None
    other_visitors: int = 0


@dataclass
class ConsumerPage:
    resolution: Resolution
    certifications: list[Certification] = field(default_factory=list)
    ocop_ratings: list[OcopRating] = field(default_factory=list)
    journey: list[JourneyStep] = field(default_factory=list)
    history: StampHistory = field(default_factory=StampHistory)
    production_time: datetime.datetime | None = None
    best_before: datetime.date | None = None
    cold_chain: ColdChainSummary | None = None
    producer_map: MapView | None = None
    # An agency's public recall of this lot, or, for a code without a lot, recalls of some of the product's
    # lots with the lot numbers concerned.
    recall: Recall | None = None
    product_recalls: list[tuple[Recall, list[str]]] = field(default_factory=list)


_STEP_NAMES = {
    "commissioning": gettext_noop("Produced / harvested"),
    "packing": gettext_noop("Packed"),
    "shipping": gettext_noop("Shipped"),
    "receiving": gettext_noop("Received"),
    "storing": gettext_noop("Stored"),
    "inspecting": gettext_noop("Inspected"),
    "transporting": gettext_noop("Transported"),
    "retail_selling": gettext_noop("Sold"),
    "loading": gettext_noop("Loaded"),
    "unloading": gettext_noop("Unloaded"),
    "repackaging": gettext_noop("Repackaged"),
    "sampling": gettext_noop("Sampled"),
}


# Our own steps of the production diary (txng: namespace, src/txng/lineage/README.md).
_DIARY_STEP_NAMES = {
    "sowing": gettext_noop("Sown / planted"),
    "stocking": gettext_noop("Stocked"),
    "fertilising": gettext_noop("Fertilised"),
    "spraying": gettext_noop("Sprayed"),
    "feeding": gettext_noop("Fed"),
    "harvesting": gettext_noop("Harvested"),
    "drying": gettext_noop("Dried"),
    "milling": gettext_noop("Milled"),
    "processing": gettext_noop("Processed"),
    "sensor_reporting": gettext_noop("Sensor readings"),
}


def step_name(biz_step: str) -> str:
    short = voc.to_short("bizStep", biz_step) if biz_step else ""
    if short in _STEP_NAMES:
        return _(_STEP_NAMES[short])
    own = short.rsplit("BizStep-", 1)[-1] if "BizStep-" in short else short
    if own in _DIARY_STEP_NAMES:
        return _(_DIARY_STEP_NAMES[own])
    return short.rsplit("/", 1)[-1].replace("_", " ") or _("Event")


# A growing area's diary (sowing, fertilising, spraying …) names no lot: it belongs to the journey of the
# lots harvested there within this many days after it.
DIARY_WINDOW = datetime.timedelta(days=200)
_PUBLISHED = Scope('SELECT "id" FROM "registry_organization" WHERE "is_published" = %s', (True,))


def _journey_lots(product: Product, lot_identifier: str) -> tuple[set[str], set[int]]:
    """The lot and every lot it was made from, with the published organizations that held them.

    The walk follows the lot graph backward through published organizations (DESIGN.md: the public sees
    only the owner's events and those of organizations linked to the lot by shipping and receiving), and
    one step forward for the same lot at the businesses it was shipped to.
    """
    start = list(Lot.objects.filter(identifier=lot_identifier, organization_id=product.organization_id))
    if not start:
        return {lot_identifier}, {product.organization_id}
    upstream = lot_trace(start, direction="backward", scope=_PUBLISHED, with_edges=False).lots.values()
    onward = lot_trace(start, direction="forward", scope=_PUBLISHED, depth=1, with_edges=False).lots.values()
    reached = [*upstream, *(lot for lot in onward if lot.identifier == lot_identifier)]
    published = set(
        Organization.objects.filter(pk__in={lot.organization_id for lot in reached}, is_published=True).values_list(
            "pk", flat=True
        )
    )
    return {lot.identifier for lot in reached if lot.organization_id in published}, published | {
        product.organization_id
    }


def lot_journey(*, product: Product, lot: str, serial: str) -> list[JourneyStep]:
    """The lot's story from published events, oldest first: its source lots and their growing area's diary,
    its own processing, packing and shipping, and its receipt by the businesses it was shipped to."""
    identifiers: set[str] = set()
    organizations = {product.organization_id}
    this_lot = f"{CANONICAL_BASE}/01/{product.gtin}/10/{lot}" if lot else ""
    if lot:
        identifiers, organizations = _journey_lots(product, this_lot)
    if serial:
        identifiers.add(f"{CANONICAL_BASE}/01/{product.gtin}/21/{serial}")
    if not identifiers:
        return []
    # An event its owner declared an error (EPCIS 2.0 §7.4.1.2) is no longer part of the journey.
    declared = Event.objects.filter(
        organization_id=OuterRef("organization_id"), event_id=OuterRef("event_id"), is_error_declaration=True
    )
    live = Event.objects.filter(
        ~Exists(declared),
        organization_id__in=organizations,
        is_error_declaration=False,
        organization__is_published=True,
    )
    names_it = EventIdentifier.objects.filter(event=OuterRef("pk"), identifier__in=sorted(identifiers))
    own = [this_lot] if this_lot else sorted(identifiers)
    names_this_lot = EventIdentifier.objects.filter(event=OuterRef("pk"), identifier__in=own)
    live = live.annotate(is_this_lot=Exists(names_this_lot))
    columns = (
        "event_time", "biz_step", "biz_location", "read_point", "event_type", "event_id", "organization_id",
        "is_this_lot",
    )  # fmt: skip
    rows = list(live.filter(Exists(names_it)).order_by("event_time", "pk").values_list(*columns)[:JOURNEY_LIMIT])
    # The diary of each place where a source lot came into being (harvest, production: action ADD) in the
    # season before: events there that name no lot at all.
    added = live.filter(Exists(names_it), event_type="ObjectEvent", action="ADD").exclude(biz_location="")
    origins = Q()
    for time, location, organization_id in added.values_list("event_time", "biz_location", "organization_id")[:10]:
        origins |= Q(
            organization_id=organization_id,
            biz_location=location,
            event_time__lt=time,
            event_time__gte=time - DIARY_WINDOW,
        )
    if origins:
        diary = live.filter(origins).exclude(Exists(EventIdentifier.objects.filter(event=OuterRef("pk"))))
        rows = sorted([*rows, *diary.values_list(*columns)[:JOURNEY_LIMIT]], key=lambda row: row[0])[:JOURNEY_LIMIT]
    places: dict[tuple[str, str], Facility] = {}
    keys = set()
    for _time, _step, location, read_point, _type, _event_id, _organization_id, _is_this_lot in rows:
        for uri in (location, read_point):
            match = _LOCATION_RE.match(uri or "")
            if match:
                keys.add((match[1], match[2] or ""))
    if keys:
        facilities = Facility.objects.filter(
            gln__in={gln for gln, _ in keys}, organization__is_published=True
        ).select_related("administrative_unit")
        places = {(f.gln, f.gln_extension): f for f in facilities}
    steps = []
    ledger = ledger_statuses_for_events([row[5] for row in rows])
    for time, step, location, read_point, event_type, event_id, _organization_id, is_this_lot in rows:
        place, address, code = "", "", ""
        for uri in (location, read_point):
            match = _LOCATION_RE.match(uri or "")
            if match:
                try:
                    code = location_trace_code(match[1], match[2] or None).hri
                except ValueError:
                    # Capture validates check digits; a row written around it must not break the page.
                    code = ""
                facility = places.get((match[1], match[2] or ""))
                if facility is not None:
                    place, address = facility.name, facility.address
                break
        steps.append(
            JourneyStep(
                time, step_name(step), place, address, code, event_type, event_id, ledger.get(event_id), is_this_lot
            )
        )
    return steps


def stamp_history(*, batch: StampBatch, index: int, before_scan: Scan | None, visitor: str) -> StampHistory:
    """How often this stamp was checked before (the current scan excluded), and where first."""
    scans = Scan.objects.filter(batch=batch, stamp_index=index)
    if before_scan is not None:
        scans = scans.filter(pk__lt=before_scan.pk)
    rows = list(scans.order_by("scanned_at", "pk").values_list("scanned_at", "latitude", "longitude", "ip_hash")[:1000])
    if not rows:
        return StampHistory()
    first = rows[0]
    others = len({row[3] for row in rows if row[3] != visitor})
    return StampHistory(len(rows), first[0], first[1], first[2], others)


def consumer_page(resolution: Resolution, *, current_scan: Scan | None, visitor: str) -> ConsumerPage:
    """Everything the consumer page shows (Circular 02/2024/TT-BKHCN minimum data and the verdict)."""
    page = ConsumerPage(resolution)
    product = resolution.product
    if product is None:
        return page
    page.certifications = list(
        Certification.objects.filter(Q(product=product) | Q(organization_id=product.organization_id, product=None))
        .select_related("facility")
        .order_by("kind", "-expires_on")
    )
    page.ocop_ratings = list(OcopRating.objects.filter(product=product).order_by("-issued_on"))
    # Local import: the public portal builds its product pages on this module.
    from txng.public.mapping import map_view
    from txng.public.selectors import map_places

    places = map_places(organization_id=product.organization_id)
    page.producer_map = map_view(places, fit=True) if places else None
    if resolution.lot:
        page.recall = recall_active_for_lot(gtin=product.gtin, lot=resolution.lot)
    else:
        page.product_recalls = recalls_for_product(gtin=product.gtin)
    page.journey = lot_journey(product=product, lot=resolution.lot, serial=resolution.serial)
    if resolution.lot:
        lot_identifier = f"{CANONICAL_BASE}/01/{product.gtin}/10/{resolution.lot}"
        page.cold_chain = cold_chain_summary(lot_identifiers=[lot_identifier])
    own = [step for step in page.journey if step.is_this_lot]
    if own:
        page.production_time = own[0].time
        if product.shelf_life_days:
            local = timezone.localtime(page.production_time).date()
            page.best_before = local + datetime.timedelta(days=product.shelf_life_days)
    batch = resolution.batch
    if batch is not None and resolution.match is not None and resolution.match.index is not None:
        page.history = stamp_history(
            batch=batch, index=resolution.match.index, before_scan=current_scan, visitor=visitor
        )
    return page
