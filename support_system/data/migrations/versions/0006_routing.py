"""Routing (issue 14): clusters of past tasks, every model's outcome on a task, and the
per skill/cluster/model sums the router reads.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_clusters",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_clusters")),
    )
    op.create_table(
        "routing_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=50), nullable=False),
        sa.Column("cluster", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("quality", sa.Double(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("execution_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["execution_id"],
            ["executions.id"],
            name=op.f("fk_routing_outcomes_execution_id_executions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_outcomes")),
    )
    with op.batch_alter_table("routing_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_outcomes_execution_id"), ["execution_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_routing_outcomes_skill_cluster_model"),
            ["skill", "cluster", "model"],
            unique=False,
        )
    op.create_table(
        "routing_stats",
        sa.Column("skill", sa.String(length=50), nullable=False),
        sa.Column("cluster", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("quality_sum", sa.Double(), nullable=False),
        sa.Column("seconds_sum", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("skill", "cluster", "model", name=op.f("pk_routing_stats")),
    )


def downgrade() -> None:
    op.drop_table("routing_stats")
    with op.batch_alter_table("routing_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_outcomes_skill_cluster_model"))
        batch_op.drop_index(batch_op.f("ix_routing_outcomes_execution_id"))
    op.drop_table("routing_outcomes")
    op.drop_table("routing_clusters")
