"""QR Code symbols for labels: segno's ISO/IEC 18004 encoder with a fast data-mask evaluation.

segno evaluates the eight data masks (ISO/IEC 18004:2015 §7.8.3.1) module by module in Python, which is
about three quarters of the time of a label. Here each row and column is one integer (bit j = module j)
and the four penalty features N1–N4 are counted with shifts, masks and `int.bit_count`, giving the same
scores as `segno.encoder.mask_scores` (a test checks it mask by mask), so the mask chosen is still the one
with the lowest penalty as §7.8.3.1 requires. Everything else (data encoding, error correction, codeword
placement, format and version information) is segno's own code, called in the order `segno.encoder._encode`
uses; segno is pinned, and a test compares whole symbols with `segno.make`.
"""

from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass
from typing import Any, Final

import segno.consts
import segno.encoder

# segno's encoder module has no annotations; it is used through these two names only.
encoder: Any = segno.encoder
consts: Any = segno.consts

_TO_ASCII: Final = bytes.maketrans(b"\x00\x01", b"01")
_FROM_ASCII: Final = bytes.maketrans(b"01", b"\x00\x01")
_N3_POINTS: Final = 40  # ISO/IEC 18004:2015 Table 11
_GAP: Final = 8  # light modules between packed lines, more than any shift below reaches (4)


def _pack(lines: list[bytes], stride: int) -> int:
    """Lines of 0/1 modules packed into one integer, module j of line i at bit i × stride + j."""
    padding = bytes(stride - len(lines[0]))
    return int(b"".join(line + padding for line in lines).translate(_TO_ASCII)[::-1], 2)


def _unpack(packed: int, width: int, stride: int) -> tuple[bytearray, ...]:
    cells = format(packed, f"0{stride * width}b")[::-1].encode().translate(_FROM_ASCII)
    return tuple(bytearray(cells[i * stride : i * stride + width]) for i in range(width))


@dataclass(frozen=True, slots=True)
class _Layout:
    """What depends on the version only: the codeword placement and the packed data masks."""

    width: int
    stride: int
    cells: tuple[int, ...]  # per module (row-major): index of its message bit, or len(bits) + fixed value
    row_masks: tuple[int, ...]  # per data mask pattern (§7.8.2 Table 10): modules it flips, rows packed
    column_masks: tuple[int, ...]  # the same, columns packed
    pairs: int  # bit j of every line for j ≤ width - 2 (a module and its right neighbour)
    pairs_above: int  # the same, every row but the last (a row and the one below)
    finder_starts: int  # bit j of every line for j ≤ width - 7


@functools.cache
def _layout(version: int, bit_count: int) -> _Layout:
    width = encoder.calc_matrix_size(version)
    stride = width + _GAP
    template = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(template, width, width)
    encoder.add_alignment_patterns(template, width, width)
    # segno's own placement (§7.7.3) run on message bit numbers instead of bits.
    numbered = [[0x2 if cell == 0x2 else -1 - cell for cell in row] for row in template]
    encoder.add_codewords(numbered, [3 + k for k in range(bit_count)], version)
    cells = []
    for row in numbered:
        for cell in row:
            # message bit k (placed as 3 + k); fixed light (-1) or dark (-2); unfilled remainder: light
            cells.append(cell - 3 if cell >= 3 else bit_count + (1 if cell == -2 else 0))
    region = [[template[i][j] == 0x2 for j in range(width)] for i in range(width)]
    region[width - 8][8] = False  # the dark module, reserved like the format information
    row_masks, column_masks = [], []
    for pattern in encoder.get_data_mask_functions(is_micro=False):
        grid = [bytes(1 if region[i][j] and pattern(i, j) else 0 for j in range(width)) for i in range(width)]
        row_masks.append(_pack(grid, stride))
        column_masks.append(_pack([bytes(column) for column in zip(*grid, strict=True)], stride))

    def every_line(first: int, last: int, lines: int) -> int:
        line = ((1 << (last + 1)) - 1) & ~((1 << first) - 1)
        return sum(line << (i * stride) for i in range(lines))

    return _Layout(
        width=width,
        stride=stride,
        cells=tuple(cells),
        row_masks=tuple(row_masks),
        column_masks=tuple(column_masks),
        pairs=every_line(0, width - 2, width),
        pairs_above=every_line(0, width - 2, width - 1),
        finder_starts=every_line(0, width - 7, width),
    )


def _n1_n3(lines: int, layout: _Layout) -> int:
    """N1 and N3 (Table 11) of all packed lines at once."""
    same = ~(lines ^ (lines >> 1)) & layout.pairs  # bit j: modules j and j+1 alike
    five = same & (same >> 1) & (same >> 2) & (same >> 3)  # bit j: modules j..j+4 alike
    # A run of 5 + i alike modules scores 3 + i: (run - 4) bits in `five`, plus 2 per run.
    n1 = five.bit_count() + 2 * (five & ~(five << 1)).bit_count()
    light = ~lines
    found = (
        lines & (light >> 1) & (lines >> 2) & (lines >> 3) & (lines >> 4) & (light >> 5) & (lines >> 6)
    ) & layout.finder_starts  # 1:1:3:1:1 dark-light-dark-light-dark from module j
    if not found:
        return n1
    # Four light modules before or after it; outside the symbol is light (the gap is light).
    dark_before = (lines << 1) | (lines << 2) | (lines << 3) | (lines << 4)
    dark_after = (lines >> 7) | (lines >> 8) | (lines >> 9) | (lines >> 10)
    qualifies = found & ~(dark_before & dark_after)
    if not found & ((found >> 4) | (found >> 6)):
        return n1 + _N3_POINTS * qualifies.bit_count()
    # Overlapping patterns: count as segno does, left to right, skipping past each counted one.
    points, start = 0, 0
    while found:
        index = (found & -found).bit_length() - 1
        found &= found - 1
        if index < start:
            continue
        if qualifies >> index & 1:
            points += _N3_POINTS
            start = index + 7
        else:
            start = index + 4
    return n1 + points


def _penalty(rows: int, columns: int, layout: _Layout) -> int:
    """N1 + N2 + N3 + N4 of ISO/IEC 18004:2015 §7.8.3.1, Table 11, as segno's `mask_scores` counts them."""
    same = ~(rows ^ (rows >> 1)) & layout.pairs
    below = rows >> layout.stride
    n2 = 3 * (same & (same >> layout.stride) & ~(rows ^ below) & layout.pairs_above).bit_count()
    percent = float(rows.bit_count()) / (layout.width**2)
    n4 = 10 * int(abs(percent * 100 - 50) / 5)
    return _n1_n3(rows, layout) + _n1_n3(columns, layout) + n2 + n4


@functools.cache
def _error_correction_table(length: int) -> tuple[int, ...]:
    """c × g(x) for every byte c as one integer of `length` bytes, g the generator polynomial (§7.5.2)."""
    generator, exponents, logarithms = consts.GEN_POLY[length], consts.GALIOS_EXP, consts.GALIOS_LOG
    table = [0]
    for coefficient in range(1, 256):
        product = bytes(exponents[logarithms[coefficient] + generator[n]] for n in range(length))
        table.append(int.from_bytes(product, "big"))
    return tuple(table)


def _error_correction(data: bytes, length: int) -> bytes:
    """Reed-Solomon error correction codewords of one block (§7.5.2), a byte at a time through a table."""
    table, shift, mask = _error_correction_table(length), 8 * (length - 1), (1 << (8 * length)) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & mask) ^ table[(remainder >> shift) ^ byte]
    return remainder.to_bytes(length, "big")


def _final_message(version: int, error_level: int, data_bits: bytearray) -> bytes:
    """Data and error correction codewords, split into blocks and interleaved (§7.6), as bits (0/1 bytes).

    The same sequence as segno.encoder.make_final_message, which spends most of a symbol's time in its
    module-by-module Reed-Solomon division and bit lists; remainder bits are left to the placement.
    """
    data = int(bytes(data_bits).translate(_TO_ASCII), 2).to_bytes(len(data_bits) // 8, "big")
    data_blocks, error_blocks = [], []
    offset = 0
    for info in consts.ECC[version][error_level]:
        for _ in range(info.num_blocks):
            block = data[offset : offset + info.num_data]
            offset += info.num_data
            data_blocks.append(block)
            error_blocks.append(_error_correction(block, info.num_total - info.num_data))
    codewords = bytes(
        byte
        for blocks in (data_blocks, error_blocks)
        for column in itertools.zip_longest(*blocks)
        for byte in column
        if byte is not None
    )
    return format(int.from_bytes(codewords, "big"), f"0{8 * len(codewords)}b").encode().translate(_FROM_ASCII)


def qr_matrix(content: str, *, error: str = "m") -> tuple[tuple[bytearray, ...], int]:
    """The modules (1 = dark, no quiet zone) and the mask of a QR Code symbol of `content` (byte mode)."""
    error_level = encoder.normalize_errorlevel(error)
    segments = encoder.prepare_data(content, None, None)
    version = encoder.find_version(segments, error_level, eci=False, micro=False)
    buffer = encoder.Buffer()
    for segment in segments:
        encoder.write_segment(buffer, segment, None, encoder.version_range(version), False)
    capacity = consts.SYMBOL_CAPACITY[version][error_level]
    encoder.write_terminator(buffer, capacity, None, len(buffer))
    encoder.write_padding_bits(buffer, version, len(buffer))
    encoder.write_pad_codewords(buffer, version, capacity, len(buffer))
    bits = _final_message(version, error_level, buffer.getbits())
    layout = _layout(version, len(bits))
    width, stride = layout.width, layout.stride
    flat = bytes(operator.itemgetter(*layout.cells)(bytes(bits) + b"\x00\x01"))
    rows = _pack([flat[i * width : (i + 1) * width] for i in range(width)], stride)
    columns = _pack([flat[j::width] for j in range(width)], stride)
    best_mask, best_score = 0, -1
    for mask in range(8):
        score = _penalty(rows ^ layout.row_masks[mask], columns ^ layout.column_masks[mask], layout)
        if best_score < 0 or score < best_score:  # the first of equal scores wins, as in segno
            best_mask, best_score = mask, score
    symbol = _unpack(rows ^ layout.row_masks[best_mask], width, stride)
    encoder.add_format_info(symbol, version, error_level, best_mask)
    encoder.add_version_info(symbol, version)
    return symbol, best_mask
