"""Claims: a grading claim carries a token, and only the holder of the current claim may store the grade
(exactly one grade per answer, even when a lease expired and two workers graded it). Practice attempts get
the same lease so a restart picks up grades that were in flight.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("claim_token", sa.String(32), nullable=True))
    with op.batch_alter_table("screen_answers") as batch:
        batch.add_column(sa.Column("claim_token", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("screen_answers") as batch:
        batch.drop_column("claim_token")
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("claim_token")
        batch.drop_column("lease_until")
