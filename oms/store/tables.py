"""Imports every schema module, so that Base.metadata knows every table.

Each area that adds tables defines them in its own `oms/store/<area>_schema.py`
on the same `Base`, and adds one import line here.
"""

import oms.store.accounting_schema  # noqa: F401
import oms.store.api_keys_schema as _api_keys_schema  # noqa: F401
from oms.store import schema  # noqa: F401
