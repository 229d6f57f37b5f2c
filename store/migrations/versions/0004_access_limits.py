"""Access limits: counted requests per invite (draft saves, submits) and per client (wrong invite tokens), kept
in the database so the limits hold across app processes.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bucket", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rate_events_at", "rate_events", ["at"])
    op.create_index("ix_rate_events_bucket_key_at", "rate_events", ["bucket", "key_hash", "at"])


def downgrade() -> None:
    op.drop_table("rate_events")
