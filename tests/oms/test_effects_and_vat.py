from decimal import Decimal

from oms.effects import Event, Topic, effects
from oms.status import Actor
from oms.vat import vat_breakdown, vat_of_gross

D = Decimal


def topics(event: Event, actor: Actor = Actor.SELLER, email: bool = True) -> set[tuple[str, str]]:
    return {(r.topic.value, r.event.value) for r in effects(event, actor, email)}


def test_confirming_pushes_emails_renders_and_books_the_prepayment() -> None:
    assert topics(Event.CONFIRMED) == {
        ("channel", "confirmed"),
        ("email", "confirmed"),
        ("documents", "confirmed"),
        ("accounting", "paid"),
    }


def test_emails_follow_the_sellers_switch_and_only_go_to_webshop_buyers() -> None:
    assert ("email", "shipped") not in topics(Event.SHIPPED, email=False)
    (rule,) = [r for r in effects(Event.SHIPPED, Actor.SELLER, True) if r.topic is Topic.EMAIL]
    assert rule.webshop_only


def test_a_change_that_came_from_the_channel_is_not_pushed_back() -> None:
    assert ("channel", "cancelled") not in topics(Event.CANCELLED, Actor.CHANNEL)
    assert ("channel", "cancelled") in topics(Event.CANCELLED, Actor.AUTOMATION)


def test_vat_is_the_part_contained_in_the_gross_amount() -> None:
    assert vat_of_gross(D("108.10"), D("8.1")) == D("8.10")
    assert vat_of_gross(D("102.60"), D("2.6")) == D("2.60")


def test_vat_breakdown_groups_by_rate_and_taxes_shipping_at_the_highest_rate() -> None:
    lines = [(D("25.00"), D("2.6")), (D("19.90"), D("8.1")), (D("5.10"), D("2.6"))]
    result = vat_breakdown(lines, shipping=D("7.00"))
    assert [(v.rate, v.gross, v.vat) for v in result] == [
        (D("2.6"), D("30.10"), D("0.76")),
        (D("8.1"), D("26.90"), D("2.02")),
    ]
    assert result[1].net == D("24.88")
