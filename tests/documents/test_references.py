"""QR reference and creditor reference: checked against published examples and an
independent implementation of each check-digit scheme (not against qrbill)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from documents.qr import creditor_reference, mod10_recursive, qr_reference, split_street
from oms.seller import qr_bill_text_problem


def independent_mod10_ok(reference: str) -> bool:
    """Swiss mod-10 recursive over all 27 digits ends in carry 0."""
    table = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5]
    carry = 0
    for d in reference:
        carry = table[(carry + int(d)) % 10]
    return carry == 0


def independent_mod97_ok(reference: str) -> bool:
    moved = reference[4:] + reference[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def test_the_published_qr_reference_example_has_the_check_digit_we_compute() -> None:
    # SIX implementation guidelines example: 21 00000 00003 13947 14300 09017
    assert mod10_recursive("21000000000313947143000901") == 7
    assert independent_mod10_ok("210000000003139471430009017")


def test_the_published_creditor_reference_example_is_valid() -> None:
    assert independent_mod97_ok("RF18539007547034")
    assert creditor_reference("539007547034") == "RF18539007547034"


@given(st.integers(min_value=1, max_value=10**12), st.integers(min_value=2000, max_value=2099))
def test_a_qr_reference_is_27_digits_with_a_valid_check_digit(seq: int, year: int) -> None:
    ref = qr_reference(f"R-{year}-{seq:05}")
    assert len(ref) == 27 and ref.isdigit()
    assert independent_mod10_ok(ref)
    assert ref[:26].lstrip("0") == f"{year}{seq:05}"


@given(st.from_regex(r"[A-Z]{1,3}-20[0-9]{2}-[0-9]{1,8}", fullmatch=True))
def test_a_creditor_reference_is_valid_iso_11649(number: str) -> None:
    ref = creditor_reference(number)
    assert ref.startswith("RF") and len(ref) <= 25
    assert independent_mod97_ok(ref)
    assert ref[4:] == number.replace("-", "")


def test_an_invoice_number_too_long_for_a_reference_is_refused() -> None:
    with pytest.raises(ValueError, match="more than 26 digits"):
        qr_reference("1" * 27)
    with pytest.raises(ValueError, match="1 to 21"):
        creditor_reference("R" * 22)


@pytest.mark.parametrize(
    ("street", "expected"),
    [
        ("Seestrasse 5", ("Seestrasse", "5")),
        ("Rue du Rhône 40a", ("Rue du Rhône", "40a")),
        ("Via Nassa 12 B", ("Via Nassa", "12B")),
        ("Postfach", ("Postfach", "")),
        ("Strasse 1. August 3", ("Strasse 1. August", "3")),
    ],
)
def test_a_street_is_split_into_street_and_house_number(
    street: str, expected: tuple[str, str]
) -> None:
    assert split_street(street) == expected


def test_the_qr_bill_character_set_allows_latin_and_refuses_emoji_and_cjk() -> None:
    assert qr_bill_text_problem("Zürich, Ștefan & Ţiţi, 5 €") is None
    assert qr_bill_text_problem("Alpen 🏔") is not None
    assert qr_bill_text_problem("北京") is not None
