"""Practice: learners, attempts, grades and per-point verdicts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("bank_id", sa.String(120), nullable=False),
        sa.Column("question_id", sa.String(120), nullable=False),
        sa.Column("question_text", sa.Text, nullable=False),
        sa.Column("section", sa.Integer, nullable=False),
        sa.Column("rubric_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("attempts.id", ondelete="CASCADE"), nullable=True),
        sa.Column("probe_point_id", sa.String(120), nullable=True),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attempts_learner_id", "attempts", ["learner_id"])
    op.create_index("ix_attempts_learner_question", "attempts", ["learner_id", "question_id"])
    op.create_table(
        "grades",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("attempt_id", sa.Integer, sa.ForeignKey("attempts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("grader", sa.String(16), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt_name", sa.String(120), nullable=False),
        sa.Column("prompt_hash", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("coverage", sa.Float, nullable=False),
        sa.Column("abstained", sa.Boolean, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_grades_attempt_id", "grades", ["attempt_id"])
    op.create_table(
        "point_verdicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("grade_id", sa.Integer, sa.ForeignKey("grades.id", ondelete="CASCADE"), nullable=False),
        sa.Column("point_id", sa.String(120), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
    )
    op.create_index("ix_point_verdicts_grade_id", "point_verdicts", ["grade_id"])
    op.create_index("ix_point_verdicts_point_id", "point_verdicts", ["point_id"])


def downgrade() -> None:
    op.drop_table("point_verdicts")
    op.drop_table("grades")
    op.drop_table("attempts")
    op.drop_table("learners")
