from decimal import Decimal

import pytest
from pydantic import ValidationError

from oms.model import Money, NormalizedOrder
from tests.factories import order_data


def errors_of(**overrides: object) -> str:
    with pytest.raises(ValidationError) as info:
        NormalizedOrder.model_validate(order_data(1, **overrides))
    return str(info.value)


def test_a_valid_order_round_trips_through_json_with_decimal_strings() -> None:
    order = NormalizedOrder.model_validate(order_data(1))
    dumped = order.model_dump(mode="json")
    assert dumped["total"] == "51.90"
    assert dumped["lines"][0]["vat_rate"] == "2.6"
    assert NormalizedOrder.model_validate(dumped) == order


def test_amounts_as_json_numbers_are_refused() -> None:
    assert "not a JSON number" in errors_of(total=51.9)


def test_a_timestamp_without_offset_is_refused() -> None:
    assert "with a UTC offset" in errors_of(ordered_at="2026-11-20T10:15:00")


def test_unknown_currency_and_country_are_refused() -> None:
    assert "'XXY' is not an ISO 4217 currency code" in errors_of(currency="XXY")
    address = dict(order_data(1)["billing_address"], country="CHE")
    assert "alpha-2" in errors_of(billing_address=address)


def test_negative_quantities_and_amounts_are_refused() -> None:
    line = dict(order_data(1)["lines"][0], quantity=-1)
    assert "greater than 0" in errors_of(lines=[line])
    assert "must not be negative" in errors_of(shipping="-1.00")


def test_amounts_with_more_than_four_decimal_places_or_out_of_range_are_refused() -> None:
    assert "more than 4 decimal places" in errors_of(shipping="7.00001")
    assert "must not exceed 999999999.99" in errors_of(shipping="1000000000")
    assert "finite number" in errors_of(shipping="NaN")
    kept = NormalizedOrder.model_validate(order_data(1, shipping="7.0000"))
    assert kept.shipping == Decimal("7")


def test_unknown_fields_are_refused_so_typos_do_not_pass() -> None:
    assert "Extra inputs are not permitted" in errors_of(totl="1.00")


def test_an_order_needs_at_least_one_line() -> None:
    assert "at least 1 item" in errors_of(lines=[])


def test_a_malformed_buyer_email_is_kept_for_the_email_step_to_refuse() -> None:
    order = NormalizedOrder.model_validate(
        order_data(1, buyer={"name": "A", "email": "not-an-address", "language": None})
    )
    assert order.buyer.email == "not-an-address"


def test_money_refuses_to_add_two_currencies() -> None:
    chf = Money(amount=Decimal("1.00"), currency="CHF")
    assert (chf + chf).amount == Decimal("2.00")
    with pytest.raises(ValueError, match="cannot add EUR to CHF"):
        chf + Money(amount=Decimal("1.00"), currency="EUR")
    assert str(chf) == "CHF 1.00"


def test_a_nul_character_anywhere_is_refused_before_it_reaches_the_database() -> None:
    buyer = {"name": "Ann\x00a", "email": None, "language": None}
    assert "NUL character" in errors_of(buyer=buyer)
    assert "NUL character" in errors_of(order_number="10\x0001")
