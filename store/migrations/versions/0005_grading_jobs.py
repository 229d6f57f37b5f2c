"""Bulk re-grading: requests (keyed by a digest of what they ask) and their grading jobs, claimed by workers.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "regrade_requests",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(200), nullable=False),
        sa.Column("grader", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "grading_jobs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "request_id", sa.String(64), sa.ForeignKey("regrade_requests.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "screen_answer_id", sa.Integer, sa.ForeignKey("screen_answers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("grader", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column(
            "grade_id", sa.Integer, sa.ForeignKey("screen_grades.id", ondelete="SET NULL"), nullable=True, unique=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ux_grading_job", "grading_jobs", ["request_id", "screen_answer_id"], unique=True)
    op.create_index("ix_grading_jobs_status", "grading_jobs", ["status", "id"])
    op.create_index("ix_grading_jobs_screen_answer_id", "grading_jobs", ["screen_answer_id"])


def downgrade() -> None:
    op.drop_table("grading_jobs")
    op.drop_table("regrade_requests")
