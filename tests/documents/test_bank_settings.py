"""Bank settings the QR-bill needs are refused when the seller saves them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine
from typer.testing import CliRunner

from oms.seller import SellerProfile
from tests.factories import QR_IBAN, SellerSetup


def test_a_creditor_name_a_bank_would_reject_is_refused_with_an_iban() -> None:
    with pytest.raises(ValidationError, match="not allowed on a QR-bill"):
        SellerProfile(
            slug="a", name="Alpen 🏔 AG", street="Weg", postal_code="8000", city="Z", iban=QR_IBAN
        )
    # without an IBAN there is no QR-bill, so the name is the seller's business
    assert SellerProfile(slug="a", name="Alpen 🏔 AG", street="Weg", postal_code="8000", city="Z")


def test_sellers_set_refuses_an_iban_for_a_creditor_address_with_bad_characters(
    engine: Engine, shop: SellerSetup
) -> None:
    from oms.cli.main import app

    result = CliRunner().invoke(
        app, ["sellers", "set", "profile.city=Zürich 🏙", "--seller", "alpen"]
    )
    assert result.exit_code == 2 and "not allowed on a QR-bill" in result.output


def test_an_invoice_number_format_too_long_for_a_payment_reference_is_refused() -> None:
    from oms.seller import DocumentSettings

    assert DocumentSettings(invoice_number_format="RECHNUNG-{year}-{seq:08}")
    with pytest.raises(ValidationError, match="too long for a QR-bill reference"):
        DocumentSettings(invoice_number_format="RECHNUNGSNUMMER-{year}-{seq:08}")
