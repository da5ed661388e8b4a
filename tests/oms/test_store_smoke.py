from sqlalchemy import Engine

from oms import actions
from tests.factories import SellerSetup, import_orders, make_order


def test_confirm_changes_an_open_order_on_both_databases(engine: Engine, shop: SellerSetup) -> None:
    import_orders(engine, shop, [make_order(1)])
    result = actions.confirm(engine, shop.seller, ["1001"])
    assert result.applied == ["1001"]
