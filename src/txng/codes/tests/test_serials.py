"""Serial and PIN derivation (txng.codes.serials): pure, no database."""

from __future__ import annotations

import hmac
import os

import pytest

from txng.codes import serials
from txng.gs1 import is_valid_ai_value, is_valid_digital_link, product_trace_code


def test_serials_are_valid_ai21_values_of_at_most_20_characters() -> None:
    # given
    secret = os.urandom(32)
    # when
    values = serials.serials_for(secret, serials.MAX_BATCH_ID, serials.MAX_BATCH_SIZE - 100, serials.MAX_BATCH_SIZE)
    values += serials.serials_for(secret, 1, 0, 100)
    # then
    assert all(1 <= len(value) <= 20 and is_valid_ai_value("21", value) for value in values)
    assert len(set(values)) == 200


def test_serial_carries_batch_and_index() -> None:
    secret = os.urandom(32)
    serial = serials.serial_for(secret, 4242, 777)
    parts = serials.serial_parts(serial)
    assert parts is not None
    assert (parts.batch_id, parts.index) == (4242, 777)
    assert serials.serial_is_authentic(secret, parts)


def test_fast_path_derives_the_same_serials_as_one_by_one() -> None:
    secret = os.urandom(32)
    assert serials.serials_for(secret, 9, 10, 20) == [serials.serial_for(secret, 9, i) for i in range(10, 20)]


def test_a_serial_cannot_be_forged_without_the_secret() -> None:
    # given: a genuine serial and a counterfeiter who knows the format but not the secret
    secret = os.urandom(32)
    genuine = serials.serial_for(secret, 12, 3)
    # when: they make the serial of the next stamp with their own key, or change one character
    with_other_key = serials.serial_for(os.urandom(32), 12, 4)
    altered = [genuine[:i] + ("Z" if ch != "Z" else "Y") + genuine[i + 1 :] for i, ch in enumerate(genuine)]
    # then: none verifies
    for candidate in [with_other_key, *altered]:
        parts = serials.serial_parts(candidate)
        assert parts is None or not serials.serial_is_authentic(secret, parts), candidate


def test_non_canonical_or_foreign_serials_are_not_ours() -> None:
    assert serials.serial_parts("0ABC") is None  # leading zero: not the canonical encoding
    assert serials.serial_parts("abc") is None  # lower case is outside the alphabet
    assert serials.serial_parts("ILOU1234") is None  # excluded letters
    assert serials.serial_parts("A" * 21) is None  # longer than AI (21) allows
    assert serials.serial_parts("1") is None  # batch 0 does not exist


def test_pin_is_eight_digits_and_differs_per_stamp() -> None:
    secret = os.urandom(32)
    pins = [serials.pin_for(secret, 5, index) for index in range(50)]
    assert all(len(pin) == 8 and pin.isdigit() for pin in pins)
    assert len(set(pins)) == 50
    assert serials.pin_matches(secret, 5, 7, pins[7])
    assert serials.pin_matches(secret, 5, 7, f"{pins[7][:4]} {pins[7][4:]}")  # spaces are tolerated
    assert not serials.pin_matches(secret, 5, 8, pins[7])


def test_out_of_range_index_is_refused() -> None:
    with pytest.raises(ValueError):
        serials.serial_for(b"k" * 32, 1, serials.MAX_BATCH_SIZE)


def test_trace_code_of_a_derived_serial_is_a_valid_digital_link() -> None:
    serial = serials.serial_for(os.urandom(32), 77, 0)
    uri = product_trace_code("08930001000018", "L1", serial).digital_link("https://tx.example.vn")
    assert is_valid_digital_link(uri)
    assert uri.endswith(f"/01/08930001000018/10/L1/21/{serial}")


def test_secret_is_stored_encrypted_and_tied_to_the_key(settings: object) -> None:
    # given
    secret = os.urandom(32)
    stored = serials.encrypt_secret(secret)
    # then: the stored form does not contain the secret and decrypts back
    assert secret.hex() not in stored
    assert serials.decrypt_secret(stored) == secret
    # when the stamp key changes, the old secret cannot be read
    settings.STAMP_KEY = "another key"  # type: ignore[attr-defined]
    with pytest.raises(serials.SecretUnavailable):
        serials.decrypt_secret(stored)


def test_scheme_2_mac_is_aes_cmac_of_one_block_computed_by_the_library() -> None:
    # given: the serial MAC key and message of scheme 2 (NIST SP 800-38B, one complete block)
    from cryptography.hazmat.primitives.ciphers import algorithms
    from cryptography.hazmat.primitives.cmac import CMAC

    secret = os.urandom(32)
    key = hmac.digest(secret, b"txng.codes.serial-mac.v2", "sha256")
    for index in (0, 1, 4095, serials.MAX_BATCH_SIZE - 1):
        signer = CMAC(algorithms.AES(key))
        signer.update(b"S" + (31337).to_bytes(8, "big") + index.to_bytes(4, "big") + b"\x00\x00\x02")
        expected = int.from_bytes(signer.finalize()[:5], "big")
        # when: the batch path (one AES-ECB pass) derives the serial
        (serial,) = serials.serials_for(secret, 31337, index, index + 1)
        parts = serials.serial_parts(serial)
        # then: it carries exactly that MAC
        assert parts is not None
        assert parts.mac == expected


def test_scheme_1_serials_still_verify_and_differ_from_scheme_2() -> None:
    # given: a batch printed before scheme 2
    secret = os.urandom(32)
    old = serials.serials_for(secret, 70, 0, 50, scheme=serials.SCHEME_HMAC_SHA256)
    # then: the one-by-one and batch paths agree, verify under scheme 1 and not under scheme 2
    assert old == [serials.serial_for(secret, 70, i, scheme=serials.SCHEME_HMAC_SHA256) for i in range(50)]
    for serial in old:
        parts = serials.serial_parts(serial)
        assert parts is not None
        assert serials.serial_is_authentic(secret, parts, scheme=serials.SCHEME_HMAC_SHA256)
        assert not serials.serial_is_authentic(secret, parts, scheme=serials.SCHEME_AES_CMAC)
    assert old != serials.serials_for(secret, 70, 0, 50)


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError):
        serials.serials_for(b"k" * 32, 1, 0, 1, scheme=9)
