"""person.app_language: the language of everyone's command menu in the person's Telegram app

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-12 10:00:00

Someone who chose another language than their Telegram app's gets a command menu of their own
in it (bot/telegram/command_menu.py chat_menu). The app's language is only in an update, so it
is kept here when they choose a language (on the privacy statement or in /taal), and start-up
renews those menus too. People from before this revision keep NULL: taken to be Dutch.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("app_language", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("app_language")
