import pytest

from oms.status import (
    TRANSITIONS,
    Action,
    IllegalTransition,
    OrderStatus,
    allowed,
    path,
    sources,
    target,
)

S = OrderStatus


@pytest.mark.parametrize(
    ("action", "start", "end"),
    [
        (Action.CONFIRM, S.OPEN, S.CONFIRMED),
        (Action.CANCEL, S.OPEN, S.CANCELLED),
        (Action.CANCEL, S.CONFIRMED, S.CANCELLED),
        (Action.TRACK, S.CONFIRMED, S.CONFIRMED),
        (Action.SHIP, S.CONFIRMED, S.SHIPPED),
        (Action.DELIVER, S.SHIPPED, S.DELIVERED),
    ],
)
def test_the_lifecycle_allows_exactly_the_drawn_arrows(
    action: Action, start: OrderStatus, end: OrderStatus
) -> None:
    assert target(action, start) is end


def test_the_table_has_no_other_transitions() -> None:
    assert len(TRANSITIONS) == 6


@pytest.mark.parametrize(
    ("action", "start"),
    [
        (Action.CONFIRM, S.CONFIRMED),
        (Action.SHIP, S.OPEN),
        (Action.DELIVER, S.CONFIRMED),
        (Action.CANCEL, S.SHIPPED),
        (Action.CANCEL, S.DELIVERED),
        (Action.TRACK, S.OPEN),
        (Action.TRACK, S.SHIPPED),
        (Action.CONFIRM, S.CANCELLED),
    ],
)
def test_a_forbidden_action_names_the_order_its_status_and_the_action(
    action: Action, start: OrderStatus
) -> None:
    with pytest.raises(IllegalTransition) as info:
        target(action, start, order_number="1001")
    assert str(info.value) == f"order 1001 is {start.value}: cannot {action.value} it"
    assert not allowed(action, start)


def test_delivered_and_cancelled_are_final() -> None:
    for action in Action:
        assert not allowed(action, S.DELIVERED)
        assert not allowed(action, S.CANCELLED)


def test_cancel_starts_from_open_or_confirmed() -> None:
    assert set(sources(Action.CANCEL)) == {S.OPEN, S.CONFIRMED}


def test_path_walks_through_the_table_when_a_channel_is_ahead() -> None:
    assert path(S.OPEN, S.DELIVERED) == [Action.CONFIRM, Action.SHIP, Action.DELIVER]
    assert path(S.CONFIRMED, S.CANCELLED) == [Action.CANCEL]
    assert path(S.SHIPPED, S.SHIPPED) == []


def test_path_refuses_to_go_backwards() -> None:
    with pytest.raises(ValueError, match="no path from shipped to open"):
        path(S.SHIPPED, S.OPEN)
    with pytest.raises(ValueError):
        path(S.SHIPPED, S.CANCELLED)
