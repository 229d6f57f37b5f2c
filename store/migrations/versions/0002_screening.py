"""Screening: recruiters, their sessions and sign-in attempts, screens, invites, answers, grades, overrides, audit.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "recruiters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(400), nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "recruiter_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("recruiter_id", sa.Integer, sa.ForeignKey("recruiters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked", sa.Boolean, nullable=False),
    )
    op.create_index("ix_recruiter_sessions_recruiter_id", "recruiter_sessions", ["recruiter_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_hash", sa.String(64), nullable=False),
        sa.Column("client_hash", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_login_attempts_account_hash", "login_attempts", ["account_hash"])
    op.create_index("ix_login_attempts_client_hash", "login_attempts", ["client_hash"])
    op.create_index("ix_login_attempts_at", "login_attempts", ["at"])
    op.create_table(
        "screens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recruiter_id", sa.Integer, sa.ForeignKey("recruiters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("instructions", sa.Text, nullable=False),
        sa.Column("grader", sa.String(16), nullable=False),
        sa.Column("seconds_per_question", sa.Integer, nullable=True),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_screens_recruiter_id", "screens", ["recruiter_id"])
    op.create_table(
        "screen_questions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("screen_id", sa.Integer, sa.ForeignKey("screens.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("question", sa.JSON, nullable=False),
    )
    op.create_index("ix_screen_questions_screen_id", "screen_questions", ["screen_id"])
    op.create_table(
        "invites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("screen_id", sa.Integer, sa.ForeignKey("screens.id", ondelete="CASCADE"), nullable=False),
        sa.Column("candidate_name", sa.String(200), nullable=False),
        sa.Column("candidate_email", sa.String(254), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS, nullable=True),
        sa.Column("consent_at", TS, nullable=True),
        sa.Column("started_at", TS, nullable=True),
        sa.Column("finished_at", TS, nullable=True),
    )
    op.create_index("ix_invites_screen_id", "invites", ["screen_id"])
    op.create_table(
        "screen_answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("invite_id", sa.Integer, sa.ForeignKey("invites.id", ondelete="CASCADE"), nullable=False),
        sa.Column(
            "screen_question_id", sa.Integer, sa.ForeignKey("screen_questions.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("draft", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=True),
        sa.Column("shown_at", TS, nullable=False),
        sa.Column("submitted_at", TS, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_try_at", TS, nullable=True),
        sa.Column("lease_until", TS, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_screen_answers_invite_id", "screen_answers", ["invite_id"])
    op.create_index("ix_screen_answers_status", "screen_answers", ["status"])
    op.create_index("ux_screen_answer", "screen_answers", ["invite_id", "screen_question_id"], unique=True)
    op.create_table(
        "screen_grades",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "screen_answer_id", sa.Integer, sa.ForeignKey("screen_answers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("grader", sa.String(16), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("prompt_hash", sa.String(64), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_screen_grades_screen_answer_id", "screen_grades", ["screen_answer_id"])
    op.create_table(
        "overrides",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "screen_answer_id", sa.Integer, sa.ForeignKey("screen_answers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("grade_id", sa.Integer, sa.ForeignKey("screen_grades.id", ondelete="CASCADE"), nullable=False),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("recruiters.id", ondelete="SET NULL"), nullable=True),
        sa.Column("reviewer_name", sa.String(120), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("old_value", sa.String(32), nullable=False),
        sa.Column("new_value", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_overrides_screen_answer_id", "overrides", ["screen_answer_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    for table in (
        "audit_events",
        "overrides",
        "screen_grades",
        "screen_answers",
        "invites",
        "screen_questions",
        "screens",
        "login_attempts",
        "recruiter_sessions",
        "recruiters",
    ):
        op.drop_table(table)
