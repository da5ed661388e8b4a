"""Imports every schema module, so that Base.metadata knows every table.

Each area that adds tables defines them in its own `oms/store/<area>_schema.py`
on the same `Base`, and adds one import line here.
"""

from oms.store import schema  # noqa: F401
