"""poll_vote_message: the vote messages a member opened themselves lose their buttons too

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 21:00:00

A poll a member opened from /stemmen, from the group's "Stemmen in een eigen chat" or with
"Zelf stemmen" shows its vote buttons in a message the broadcast did not send
(PollDelivery.message_id). Each such message gets a row, so closing or cancelling the poll edits
it like a broadcast one: that it ended, the member's vote, no buttons. Messages opened before this
revision are not known and stay as they are (a press on one says why).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "poll_vote_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("shown_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("buttons_removed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["poll_id"], ["poll.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("poll_id", "person_id", "message_id", name="uq_poll_vote_message"),
    )
    with op.batch_alter_table("poll_vote_message", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_poll_vote_message_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("poll_vote_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_vote_message_person_id"))
    op.drop_table("poll_vote_message")
