import pytest
from pydantic import ValidationError

from oms.errors import ErrorCode, InvalidInput
from oms.numbering import check_number_format, format_number
from oms.seller import (
    Branding,
    DocumentSettings,
    SellerProfile,
    is_qr_iban,
    normalize_iban,
    normalize_vat_number,
)
from tests.factories import IBAN, QR_IBAN


def profile(**overrides: object) -> SellerProfile:
    data = {
        "slug": "alpen",
        "name": "Alpen AG",
        "street": "Weg",
        "postal_code": "8000",
        "city": "Zürich",
    }
    return SellerProfile.model_validate({**data, **overrides})


@pytest.mark.parametrize(
    "raw", ["CHE-116.281.710 MWST", "CHE116281710", "CHE-116.281.710", "CHE-116.281.710 TVA"]
)
def test_a_valid_vat_number_is_stored_in_its_mwst_form(raw: str) -> None:
    assert normalize_vat_number(raw) == "CHE-116.281.710 MWST"


def test_a_vat_number_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(InvalidInput) as info:
        normalize_vat_number("CHE-116.281.711 MWST")
    assert info.value.code is ErrorCode.INVALID_VAT_NUMBER
    assert "check digit" in str(info.value)


def test_a_vat_number_of_another_shape_is_refused() -> None:
    with pytest.raises(InvalidInput, match=r"expected the form CHE-123\.456\.789 MWST"):
        normalize_vat_number("DE123456789")


def test_ibans_are_checked_and_qr_ibans_recognised() -> None:
    assert normalize_iban(QR_IBAN) == "CH4431999123000889012"
    assert is_qr_iban(normalize_iban(QR_IBAN))
    assert not is_qr_iban(normalize_iban(IBAN))
    with pytest.raises(InvalidInput, match="Invalid checksum"):
        normalize_iban("CH44 3199 9123 0008 8901 3")
    with pytest.raises(InvalidInput, match="Swiss or Liechtenstein"):
        normalize_iban("DE89 3704 0044 0532 0130 00")


def test_the_profile_validates_what_it_is_given() -> None:
    assert profile(iban=QR_IBAN).has_qr_iban
    with pytest.raises(ValidationError, match="IANA time zone"):
        profile(timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="lower-case letters"):
        profile(slug="Alpen Shop")


def test_branding_accepts_hex_colours_and_bundled_fonts_only() -> None:
    assert Branding(primary_colour="#AABBCC").primary_colour == "#aabbcc"
    with pytest.raises(ValidationError, match="is not a colour"):
        Branding(primary_colour="red;}body{background:url(http://x)}")
    with pytest.raises(ValidationError, match="bundled fonts"):
        Branding(font="Comic Sans")


def test_number_formats_need_seq_and_know_only_year_and_seq() -> None:
    check_number_format("R-{year}-{seq:05}")
    assert format_number("R-{year}-{seq:05}", 2026, 7) == "R-2026-00007"
    with pytest.raises(InvalidInput, match="must contain"):
        check_number_format("R-{year}")
    with pytest.raises(InvalidInput, match="unknown field 'customer'"):
        check_number_format("{customer}-{seq}")
    with pytest.raises(ValidationError):
        DocumentSettings(invoice_number_format="{seq.__class__}")
