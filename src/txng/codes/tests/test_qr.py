"""QR symbols for labels (txng.codes.qr): the same symbols and mask choice as segno's reference encoder."""

from __future__ import annotations

import random
import string

import pytest
import segno
from segno import encoder

from txng.codes import qr


def _contents(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_uppercase + string.digits
    lengths = (1, 12, 40, 75, 110, 200, 400)
    return [
        "https://txng.cantho.gov.vn/01/08931230000015/21/" + "".join(rng.choices(alphabet, k=rng.choice(lengths)))
        for _ in range(count)
    ]


@pytest.mark.parametrize("error", ["l", "m", "q", "h"])
def test_symbol_and_mask_are_those_of_segno(error: str) -> None:
    # given: Digital Link URIs of many lengths (versions 4 to 20)
    for content in _contents(40, seed=ord(error)):
        # when
        matrix, mask = qr.qr_matrix(content, error=error)
        reference = segno.make(content, error=error, micro=False, boost_error=False)
        # then: the same mask (lowest penalty, ISO/IEC 18004 §7.8.3.1) and the same modules; segno marks
        # the remainder bits (§7.6) with values above 1, always printed dark, where ours carry the mask bit
        assert mask == reference.mask, content
        for row, reference_row in zip(matrix, reference.matrix, strict=True):
            assert all(cell == ref for cell, ref in zip(row, reference_row, strict=True) if ref <= 1), content


def _unmasked_symbol(content: str) -> tuple[tuple[bytearray, ...], int]:
    """The symbol before masking, built step by step as segno.encoder._encode does (remainder bits 0)."""
    error_level = encoder.normalize_errorlevel("m")
    segments = encoder.prepare_data(content, None, None)
    version = encoder.find_version(segments, error_level, eci=False, micro=False)
    buffer = encoder.Buffer()
    for segment in segments:
        encoder.write_segment(buffer, segment, None, encoder.version_range(version), False)
    capacity = segno.consts.SYMBOL_CAPACITY[version][error_level]
    encoder.write_terminator(buffer, capacity, None, len(buffer))
    encoder.write_padding_bits(buffer, version, len(buffer))
    encoder.write_pad_codewords(buffer, version, capacity, len(buffer))
    width = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(matrix, width, width)
    encoder.add_alignment_patterns(matrix, width, width)
    encoder.add_codewords(matrix, encoder.make_final_message(version, error_level, buffer), version)
    return tuple(bytearray(row.replace(b"\x02", b"\x00")) for row in matrix), version


def test_penalty_of_every_mask_equals_segnos_reference_scoring() -> None:
    for content in _contents(25, seed=7):
        # given: a symbol before masking, and segno's encoding region
        unmasked, version = _unmasked_symbol(content)
        width = len(unmasked)
        function_matrix = encoder.make_matrix(width, width)
        encoder.add_finder_patterns(function_matrix, width, width)
        encoder.add_alignment_patterns(function_matrix, width, width)
        layout = qr._layout(version, sum(1 for row in function_matrix for cell in row if cell == 0x2))
        for mask, pattern in enumerate(encoder.get_data_mask_functions(is_micro=False)):
            # when: masked by segno, scored by segno (ISO/IEC 18004 §7.8.3.1, Table 11) and by us
            masked = tuple(bytearray(row) for row in unmasked)
            encoder.apply_mask(masked, pattern, width, width, lambda i, j, f=function_matrix: f[i][j] > 0x1)
            rows = qr._pack(list(masked), layout.stride)
            columns = qr._pack([bytes(column) for column in zip(*masked, strict=True)], layout.stride)
            # then
            assert qr._penalty(rows, columns, layout) == encoder.evaluate_mask(masked, width, width), (content, mask)


def test_symbol_has_no_quiet_zone_and_only_light_or_dark_modules() -> None:
    matrix, _mask = qr.qr_matrix("https://txng.cantho.gov.vn/01/08931230000015/10/L2026/21/10000RVFJK")
    assert len(matrix) == 37  # version 5
    assert {cell for row in matrix for cell in row} == {0, 1}
    assert bytes(matrix[0][:7]) == b"\x01" * 7  # finder pattern at the top left corner
