"""Schemathesis against the served OpenAPI document: no request makes the API fail.

Every operation gets a bounded number of generated requests (valid and invalid),
sent with a real key of a seller that has orders; each answer is checked against
the document (status codes, content types, schemas) and must never be a 500.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import create_engine

from api.app import create_app
from tests.api.conftest import Tenant, add_key
from tests.conftest import wipe
from tests.factories import add_demo_seller, import_orders, make_order

EXAMPLES = 4


# The document does not depend on the database; each test points the app at its own.
APP = create_app(create_engine("sqlite://"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Bounded: the generated examples of each operation, without the exhaustive coverage phase.
schema.config.phases.coverage.enabled = False


@pytest.fixture(scope="module")
def tenant(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tenant]:
    """One seller with orders and a key for every operation of this module (per backend)."""
    from oms.settings import get_settings
    from oms.store.db import engine_for

    engine = engine_for(db_url)
    wipe(engine)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SALES_SCALER_DOCUMENTS_DIR", str(tmp_path_factory.mktemp("documents")))
        get_settings.cache_clear()
        setup = add_demo_seller(engine, "alpen")
        import_orders(engine, setup, [make_order(i) for i in range(1, 6)])
        APP.state.engine = engine
        yield Tenant(setup, *add_key(engine, setup))
    get_settings.cache_clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_makes_the_api_fail(case: schemathesis.Case, tenant: Tenant) -> None:
    # Not `positive_data_acceptance`: some rules cannot be written in JSON Schema (IBAN
    # check digits, whitespace-only text that the models strip), so they answer 422.
    case.call_and_validate(
        headers=tenant.headers, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
