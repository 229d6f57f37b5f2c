"""Banks in the database, versioned; screen questions remember their bank; a grading job may carry the question
(a newer bank version's) it grades against.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("bank_id", sa.String(120), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("based_on", sa.Integer, nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("source_hash", sa.String(64), nullable=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ux_bank_version", "bank_versions", ["bank_id", "version"], unique=True)
    with op.batch_alter_table("screen_questions") as batch:
        batch.add_column(sa.Column("bank_id", sa.String(120), nullable=True))
        batch.add_column(sa.Column("bank_version", sa.String(200), nullable=True))
    with op.batch_alter_table("regrade_requests") as batch:
        batch.add_column(sa.Column("screen_id", sa.Integer, nullable=True))
        batch.create_index("ix_regrade_requests_screen_id", ["screen_id"])
    with op.batch_alter_table("grading_jobs") as batch:
        batch.add_column(sa.Column("question", sa.JSON, nullable=True))
        batch.add_column(sa.Column("bank_version", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("grading_jobs") as batch:
        batch.drop_column("bank_version")
        batch.drop_column("question")
    with op.batch_alter_table("regrade_requests") as batch:
        batch.drop_index("ix_regrade_requests_screen_id")
        batch.drop_column("screen_id")
    with op.batch_alter_table("screen_questions") as batch:
        batch.drop_column("bank_version")
        batch.drop_column("bank_id")
    op.drop_table("bank_versions")
