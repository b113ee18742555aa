"""Stamp exports: CSV for third-party printers and a print-ready PDF of QR labels (TCVN 13275 / ISO 18004)."""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

from django.conf import settings
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from txng.codes.models import StampBatch
from txng.codes.qr import qr_matrix
from txng.codes.selectors import Stamp, stamp_batch_stamps

CSV_HEADER: Final = ["index", "digital_link", "hri", "gtin", "lot", "serial", "pin"]
# ISO/IEC 18004 §9.1: a quiet zone of 4 modules on every side.
QUIET_ZONE_MODULES: Final = 4
_FONT_CANDIDATES: Final = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def stamp_batch_write_csv(batch: StampBatch, stream: IO[str], *, base: str | None = None) -> int:
    """Write one row per stamp (with its PIN, for the printer of the scratch-off layer); return the count."""
    writer = csv.writer(stream)
    writer.writerow(CSV_HEADER)
    base = base or settings.DIGITAL_LINK_BASE
    count = 0
    for stamp in stamp_batch_stamps(batch):
        writer.writerow(
            [
                stamp.index,
                stamp.digital_link(base),
                stamp.trace_code.hri,
                batch.product.gtin,
                batch.lot,
                stamp.serial,
                stamp.pin,
            ]
        )
        count += 1
    return count


@dataclass(frozen=True)
class LabelLayout:
    """Label size and sheet layout in millimetres; defaults: 40 × 25 mm labels on A4."""

    label_width: float = 40.0
    label_height: float = 25.0
    page_width: float = A4[0] / mm
    page_height: float = A4[1] / mm
    margin: float = 8.0
    gap: float = 2.0
    error_correction: str = "m"  # L, M, Q or H; M recovers ~15 % damage
    with_pin: bool = False  # print the PIN (for printers that add the scratch-off coating themselves)

    @property
    def columns(self) -> int:
        return max(1, int((self.page_width - 2 * self.margin + self.gap) // (self.label_width + self.gap)))

    @property
    def rows(self) -> int:
        return max(1, int((self.page_height - 2 * self.margin + self.gap) // (self.label_height + self.gap)))

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


@functools.cache
def _font() -> str:
    # Vietnamese product names need a font with its diacritics; Helvetica (WinAnsi) has none.
    for path in _FONT_CANDIDATES:
        if Path(path).exists():
            pdfmetrics.registerFont(TTFont("TXNGSans", path))
            return "TXNGSans"
    return "Helvetica"


@functools.lru_cache(maxsize=1024)  # the product name and the GTIN and lot lines repeat on every label
def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


_DARK_RUN: Final = re.compile(rb"\x01+")


def _draw_qr(pdf: Any, matrix: Sequence[bytes | bytearray], x: float, y: float, module: float) -> None:
    """Dark modules as one filled path of horizontal runs, written as PDF operators in module units.

    One `re` per run with integer operands, under one `cm` that scales a module to its size (ISO 32000-1
    §8.4.4, §8.5.2.1): reportlab's path objects format every coordinate as a float, which cost more than
    encoding the symbol.
    """
    size = len(matrix)
    runs = [
        f"{start} {size - row_number - 1} {end - start} 1 re"
        for row_number, row in enumerate(matrix)
        for start, end in map(re.Match.span, _DARK_RUN.finditer(row))
    ]
    pdf.addLiteral(f"q {module:.4f} 0 0 {module:.4f} {x:.3f} {y:.3f} cm\n" + "\n".join(runs) + "\nf Q")


def _logo_reader(logo: str | Path | IO[bytes] | None) -> ImageReader | None:
    """The logo as one image object, drawn once into the PDF and referenced by every label."""
    if logo is None:
        return None
    try:
        return ImageReader(logo)
    except (OSError, ValueError) as error:
        raise ValueError(f"the logo is not a readable PNG or JPEG image: {error}") from None


def _draw_logo(pdf: Any, logo: ImageReader, layout: LabelLayout, x: float, y: float) -> None:
    """The logo in the label's bottom-right corner, at most 6 mm, keeping its aspect ratio."""
    width, height = logo.getSize()
    box = min(6.0, layout.label_height / 4) * mm
    scale = box / max(width, height, 1)
    drawn_width, drawn_height = width * scale, height * scale
    pad = 1 * mm
    pdf.drawImage(
        logo,
        x + layout.label_width * mm - pad - drawn_width,
        y + pad,
        drawn_width,
        drawn_height,
        mask="auto",
    )


def _draw_label(pdf: Any, stamp: Stamp, uri: str, name: str, layout: LabelLayout, x: float, y: float) -> None:
    font = _font()
    # ISO/IEC 18004 symbol with the lowest-penalty mask (§7.8.3.1); see txng.codes.qr.
    matrix, _mask = qr_matrix(uri, error=layout.error_correction)
    modules = len(matrix) + 2 * QUIET_ZONE_MODULES
    side = min(layout.label_height, layout.label_width * 0.55) * mm
    module = side / modules
    origin = QUIET_ZONE_MODULES * module
    _draw_qr(pdf, matrix, x + origin, y + (layout.label_height * mm - side) / 2 + origin, module)
    text_x = x + side + 0.5 * mm
    text_width = layout.label_width * mm - side - 1 * mm
    top = y + layout.label_height * mm - 3.5 * mm
    pdf.setFont(font, 6.5)
    pdf.drawString(text_x, top, _fit(name, font, 6.5, text_width))
    pdf.setFont(font, 5)
    # Human-readable interpretation: the trace code's element strings, one per line (TCVN 13274).
    line = top - 3 * mm
    for ai, value in stamp.trace_code.ais:
        pdf.drawString(text_x, line, _fit(f"({ai}) {value}", font, 5, text_width))
        line -= 2.4 * mm
    if layout.with_pin:
        pdf.drawString(text_x, line, f"PIN {stamp.pin}")


def stamp_batch_pdf(
    batch: StampBatch,
    stream: IO[bytes] | None = None,
    *,
    layout: LabelLayout | None = None,
    base: str | None = None,
    limit: int | None = None,
    logo: str | Path | IO[bytes] | None = None,
) -> int:
    """Draw the batch's labels onto `stream` (or discard); return the number of pages.

    `logo` (PNG or JPEG) defaults to the product's image when it has one.
    """
    if logo is None and batch.product.image:
        logo = batch.product.image.path
    reader = _logo_reader(logo)
    # Streams are Flate-compressed binary, not also ASCII85-encoded (reportlab's default): ASCII85 is pure
    # Python here and took about a seventh of the time; binary streams are what PDF readers and RIPs expect.
    # The setting is global; another PDF drawn meanwhile would only come out binary as well.
    ascii85, rl_config.useA85 = rl_config.useA85, 0
    try:
        return _draw_pdf(batch, stream, layout=layout or LabelLayout(), base=base, limit=limit, logo=reader)
    finally:
        rl_config.useA85 = ascii85


def _draw_pdf(
    batch: StampBatch,
    stream: IO[bytes] | None,
    *,
    layout: LabelLayout,
    base: str | None,
    limit: int | None,
    logo: ImageReader | None,
) -> int:
    base = base or settings.DIGITAL_LINK_BASE
    output = stream if stream is not None else io.BytesIO()
    pdf = canvas.Canvas(output, pagesize=(layout.page_width * mm, layout.page_height * mm), pageCompression=1)
    pdf.setTitle(f"OpenTXNG stamps — batch {batch.pk}")
    name = batch.product.name
    pages = 0
    slot = 0
    for stamp in stamp_batch_stamps(batch, stop=limit):
        if slot == 0:
            pages += 1
        column, row = slot % layout.columns, slot // layout.columns
        x = (layout.margin + column * (layout.label_width + layout.gap)) * mm
        y = (layout.page_height - layout.margin - (row + 1) * layout.label_height - row * layout.gap) * mm
        _draw_label(pdf, stamp, stamp.digital_link(base), name, layout, x, y)
        if logo is not None:
            _draw_logo(pdf, logo, layout, x, y)
        slot += 1
        if slot == layout.per_page:
            pdf.showPage()
            slot = 0
    if slot:
        pdf.showPage()
    pdf.save()
    return pages
