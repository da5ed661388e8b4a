"""Schemathesis against the served OpenAPI document: no request makes the API fail.

Every operation gets a bounded number of generated requests (valid and invalid),
sent with a real key of a seller that has orders; each answer is checked against
the document (status codes, content types, schemas) and must never be a 500.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine, create_engine

from api.app import create_app
from tests.api.conftest import Tenant

EXAMPLES = 4


# The document does not depend on the database; each test points the app at its own.
APP = create_app(create_engine("sqlite://"))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
# Bounded: the generated examples of each operation, without the exhaustive coverage phase.
schema.config.phases.coverage.enabled = False


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_makes_the_api_fail(
    case: schemathesis.Case, engine: Engine, alpen: Tenant
) -> None:
    APP.state.engine = engine
    # Not `positive_data_acceptance`: some rules cannot be written in JSON Schema (IBAN
    # check digits, whitespace-only text that the models strip), so they answer 422.
    case.call_and_validate(
        headers=alpen.headers, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )
