"""Drop `skill_definitions` and `assistant_skills`: nothing ever wrote or read them.

They were laid out in 0001 for a skill-based model router fed from a `config/skills.yaml`
that was never written. An agent's skills live in its file and the `agents.skills`
column; adaptive routing (issue 14) will get its tables when it is designed. Downgrade
recreates both tables exactly as 0001 created them (empty: there was never any data).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("assistant_skills")  # the child first; its index goes with it
    op.drop_table("skill_definitions")


def downgrade() -> None:
    op.create_table(
        "skill_definitions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("configuration", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_definitions")),
        sa.UniqueConstraint("name", name=op.f("uq_skill_definitions_name")),
    )
    op.create_table(
        "assistant_skills",
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("configuration", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_assistant_skills_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"],
            ["skill_definitions.id"],
            name=op.f("fk_assistant_skills_skill_id_skill_definitions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent_id", "skill_id", name=op.f("pk_assistant_skills")),
    )
    with op.batch_alter_table("assistant_skills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assistant_skills_skill_id"), ["skill_id"], unique=False
        )
