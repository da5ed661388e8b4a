"""one head for every area

Revision ID: 0002
Revises: accounting_0001, api_keys_0001
Create Date: 2026-11-29 10:40:05.168746
"""

from collections.abc import Sequence

revision: str = "0002"
down_revision: str | Sequence[str] | None = ("accounting_0001", "api_keys_0001")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
