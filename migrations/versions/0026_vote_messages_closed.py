"""A poll's vote messages lose their buttons when it closes or is cancelled

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-11 12:00:00

Each vote message a poll went out as (PollDelivery.message_id) is edited to say the poll closed
or was cancelled, without its buttons (bot/polls/delivery.py `close_vote_messages`):
`PollDelivery.buttons_removed_at` records each, `Poll.vote_messages_closed_at` the poll when
all were. Polls that closed before this revision count as done: their messages stay as they are
(a press on one says why), rather than every old message being edited at once.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("vote_messages_closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    with op.batch_alter_table("polldelivery", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("buttons_removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.execute(
        "UPDATE poll SET vote_messages_closed_at = closed_at "
        "WHERE status <> 'open' AND closed_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("polldelivery", schema=None) as batch_op:
        batch_op.drop_column("buttons_removed_at")
    with op.batch_alter_table("poll", schema=None) as batch_op:
        batch_op.drop_column("vote_messages_closed_at")
