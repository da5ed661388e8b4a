"""`sales-scaler channels map` and credentials by reference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.channels.fakes import start_fake
from adapters.secrets import SecretNotFound, http_client, resolve_secret
from oms.cli.main import app
from tests.adapters.channels.support import connection_to

runner = CliRunner()


def test_map_prints_one_normalized_order_for_a_wrapped_order(shared_samples: Path) -> None:
    path = shared_samples / "shopify" / "order_single_3_lines_rest.json"
    result = runner.invoke(app, ["channels", "map", "--platform", "shopify", str(path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["channel_order_id"] == "450789469" and data["total"] == "409.94"


def test_map_prints_a_list_for_a_list_page(shared_samples: Path) -> None:
    path = shared_samples / "woocommerce" / "orders_list_v3_docs.json"
    result = runner.invoke(app, ["channels", "map", "--platform", "woocommerce", str(path)])
    assert result.exit_code == 0, result.output
    assert [o["order_number"] for o in json.loads(result.stdout)] == ["727", "723"]


def test_map_exits_2_with_the_reason_for_a_payload_it_cannot_map(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"order": {"id": 5, "line_items": []}}))
    result = runner.invoke(app, ["channels", "map", "--platform", "shopify", str(bad)])
    assert result.exit_code == 2
    assert "no line items" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert (
        runner.invoke(app, ["channels", "map", "--platform", "mirakl", str(broken)]).exit_code == 2
    )
    assert runner.invoke(app, ["channels", "map", "--platform", "ebay", str(bad)]).exit_code == 2


def test_an_env_reference_resolves_to_a_secret_that_does_not_print(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SS_TEST_SHOP_TOKEN", "shpat_value_42")
    secret = resolve_secret("env:SS_TEST_SHOP_TOKEN")
    assert secret.get_secret_value() == "shpat_value_42"
    assert "shpat_value_42" not in f"{secret} {secret!r}"


def test_a_missing_variable_is_named_and_the_value_never_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SS_TEST_MISSING", raising=False)
    with pytest.raises(SecretNotFound, match="SS_TEST_MISSING is not set"):
        resolve_secret("env:SS_TEST_MISSING")
    with pytest.raises(SecretNotFound, match="must be env:VARIABLE"):
        resolve_secret("shpat_pasted_by_mistake")


def test_a_block_reference_reads_the_prefect_secret_block(prefect_api: None) -> None:
    from prefect.blocks.system import Secret

    Secret(value="mirakl-key-77").save("ss-test-mirakl-key", overwrite=True)
    assert resolve_secret("block:ss-test-mirakl-key").get_secret_value() == "mirakl-key-77"
    with pytest.raises(SecretNotFound, match="ss-test-no-such-block"):
        resolve_secret("block:ss-test-no-such-block")


def test_the_connection_client_has_real_timeouts_and_reuses_one_pool() -> None:
    with start_fake("mirakl") as fake:
        fake.add_orders(1)
        with http_client(connection_to(fake)) as client:
            assert client.timeout.connect == 5.0 and client.timeout.read == 30.0
            for _ in range(3):
                client.get(f"{fake.base_url}/api/orders", headers={"Authorization": fake.secret})
        assert fake.counters.requests == 3
