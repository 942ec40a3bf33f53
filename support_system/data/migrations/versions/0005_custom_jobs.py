"""Custom jobs: a page planned for one person's request, stored as its job definition.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "custom_jobs",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_custom_jobs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_custom_jobs")),
    )
    with op.batch_alter_table("custom_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_custom_jobs_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("custom_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_custom_jobs_user_id"))
    op.drop_table("custom_jobs")
