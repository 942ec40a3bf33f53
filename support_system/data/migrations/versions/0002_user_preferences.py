"""Per-user UI preferences: a JSON column `users.preferences` (language, theme, font size,
model, Ollama address), read and validated by `support_system.accounts.preferences`.

One JSON column rather than a column per preference: new preferences then need no
migration, and a stored value the code no longer understands is dropped on load instead
of breaking the schema. Existing users get `{}` (every preference at its default) from
the server default, so the column can be NOT NULL from the start on both databases.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # SQLite can ADD COLUMN ... NOT NULL DEFAULT in place; batch mode keeps the revision
    # portable (it only recreates the table where the database cannot alter it).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preferences", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("preferences")
