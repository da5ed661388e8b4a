"""Hypothesis-generated channel payloads: each one is stored or quarantined with a reason,
and no bad payload takes its page down with it.

Per platform, 100 pages of 100 payloads (10,000) derived from the fake server's
realistic orders by up to four mutations each: a field deleted, set to null, to a
wrong type, to a huge string, to odd unicode (NUL, bidi overrides, emoji), to a
negative or absurd number, to an unknown currency.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from adapters.channels.fakes import fake_for
from adapters.channels.fakes.data import sample_order
from adapters.channels.registry import mapper_for
from oms.connection import ChannelConnection, ChannelKind
from oms.ingest import map_page, store_page
from oms.store import sellers as seller_store
from oms.store.db import transaction
from oms.store.schema import OrderRow, QuarantineRow
from tests.factories import SellerSetup

PAGES = 100
PAGE_SIZE = 100
ID_FIELD = {"shopify": "id", "woocommerce": "id", "mirakl": "order_id"}
ODD = ["", " ", "\x00", "\u202eevil", "🛒" * 50, "ß" * 300, "x" * 50_000, "Zürich\n\t", "NaN"]
WRONG = [None, -1, -9.99, 10**30, 1.5e308, True, [], {}, "abc", "-5.00", "XYZ", "1e999"]


def base_payloads(platform: str) -> list[dict[str, Any]]:
    fake = fake_for(platform)
    return [fake.render(sample_order(i, lines=2))[1] for i in range(1, 21)]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.append((*prefix, i))
            found += paths(value, (*prefix, i))
    return found


def mutate(payload: dict[str, Any], plan: list[tuple[int, int, int]]) -> dict[str, Any]:
    out = copy.deepcopy(payload)
    for where, kind, pick in plan:
        spots = paths(out)
        if not spots:
            break
        path = spots[where % len(spots)]
        parent: Any = out
        for step in path[:-1]:
            parent = parent[step]
        key = path[-1]
        if kind == 0:
            del parent[key]
        elif kind == 1:
            parent[key] = WRONG[pick % len(WRONG)]
        elif kind == 2:
            parent[key] = ODD[pick % len(ODD)]
        elif (
            kind == 3
            and isinstance(parent[key], (int, float))
            and not isinstance(parent[key], bool)
        ):
            parent[key] = -abs(parent[key]) - 1
        elif kind == 3 and isinstance(parent[key], str) and parent[key].isalpha():
            parent[key] = "XXQ"  # an unknown currency, language or country code
        else:
            parent[key] = None
    return out


plans = st.lists(
    st.tuples(st.integers(0, 10_000), st.integers(0, 5), st.integers(0, 100)),
    min_size=1,
    max_size=4,
)
pages = st.lists(st.tuples(st.integers(0, 19), plans), min_size=PAGE_SIZE, max_size=PAGE_SIZE)


def connection_for(engine: Engine, shop: SellerSetup, platform: str) -> ChannelConnection:
    with transaction(engine) as s:
        return seller_store.add_connection(
            s,
            shop.seller,
            ChannelConnection(
                name=f"fuzz-{platform}",
                platform=platform,
                kind=ChannelKind.MARKETPLACE if platform == "mirakl" else ChannelKind.WEBSHOP,
                base_url="http://127.0.0.1:9",
                credentials_ref="env:FUZZ_TOKEN",
            ),
        )


@pytest.mark.parametrize("platform", ["shopify", "woocommerce", "mirakl"])
def test_every_bad_payload_is_stored_or_quarantined_and_no_batch_crashes(
    engine: Engine, shop: SellerSetup, platform: str
) -> None:
    bases = base_payloads(platform)
    conn = connection_for(engine, shop, platform)
    mapper = mapper_for(platform)
    seen = {"payloads": 0, "mapped": 0, "rejected": 0}
    counter = iter(range(10**9))

    @settings(
        max_examples=PAGES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],  # a failing page is reported as generated
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(page_plan=pages)
    def one_page(page_plan: list[tuple[int, list[tuple[int, int, int]]]]) -> None:
        raws = []
        for base_index, plan in page_plan:
            raw = copy.deepcopy(bases[base_index])
            raw[ID_FIELD[platform]] = f"fz{next(counter)}"  # distinct unless a mutation hits it
            raws.append(mutate(raw, plan))
        page = map_page(raws, mapper)
        assert len(page.orders) + len(page.rejected) == len(raws)
        assert all(r.reason for r in page.rejected)
        with transaction(engine) as s:
            store_page(s, shop.seller, conn, page, fetched=len(raws), cursor=None)
        seen["payloads"] += len(raws)
        seen["mapped"] += len(page.orders)
        seen["rejected"] += len(page.rejected)

    one_page()
    assert seen["payloads"] == PAGES * PAGE_SIZE
    assert seen["rejected"] > PAGES  # the mutations did bite
    with transaction(engine) as s:
        stored = s.scalar(
            select(func.count()).select_from(OrderRow).where(OrderRow.connection_id == conn.id)
        )
        kept = s.scalar(
            select(func.count())
            .select_from(QuarantineRow)
            .where(QuarantineRow.connection_id == conn.id)
        )
        reasons = list(s.scalars(select(QuarantineRow.reason).limit(50)))
        sample = s.scalar(select(QuarantineRow.payload).limit(1))
    assert stored and stored <= seen["mapped"]
    assert kept and kept <= seen["rejected"]
    assert all(reason.strip() for reason in reasons)
    assert isinstance(json.loads(sample or "null"), dict)
