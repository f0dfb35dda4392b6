"""Labels keep the labeler's "unsure" flag beside a best-guess label (spec v2: a toss-up is labeled 1 and
flagged), so unsure positives can be counted and reported.

Revision ID: 0003_label_unsure
Revises: 0002_web
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_label_unsure"
down_revision = "0002_web"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labels") as batch:
        batch.add_column(sa.Column("unsure", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("labels") as batch:
        batch.drop_column("unsure")
