"""observation.grouping_matter: no key for a text about nothing the grouping recognises

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-08 10:00:00

A signature that names no concept (not even weak evidence of one) and no place gave the matter
key "<fingerprint>|<votes>|||": the same for every such text, so the desk showed a Dutch sentence
about something the vocabulary does not know, an Arabic text and a link as one matter ("Andere
meldingen over hetzelfde", one group in the inbox's "Groep" of every such text).
bot.grouping.signatures.matter_key gives those texts no key now; this clears the keys stored.
The signatures stay as they are. Downgrading makes the keys again from the signatures.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1000

_observation = sa.table(
    "observation",
    sa.column("id", sa.Integer()),
    sa.column("grouping_signature", sa.String()),
    sa.column("grouping_matter", sa.String()),
)


def upgrade() -> None:
    # A key "fingerprint|votes|concept|scores|places" ends in "|||" exactly when its concept,
    # scores and places are empty (the rule of bot.grouping.signatures.matter_key, written out: a
    # migration must not change when the code it would import changes later).
    op.get_bind().execute(
        sa.update(_observation)
        .where(_observation.c.grouping_matter.like("%|||"))
        .values(grouping_matter=None)
    )


def _matter_key(stored: str) -> str | None:
    # The rule of migration 0002, as matter_key was before this revision.
    pieces = stored.rsplit("|", 2)
    return f"{pieces[0]}|{pieces[2]}" if len(pieces) == 3 else None


def downgrade() -> None:
    connection = op.get_bind()
    update = (
        sa.update(_observation)
        .where(_observation.c.id == sa.bindparam("oid"))
        .values(grouping_matter=sa.bindparam("key"))
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_observation.c.id, _observation.c.grouping_signature)
            .where(
                _observation.c.id > last,
                _observation.c.grouping_signature.is_not(None),
                _observation.c.grouping_matter.is_(None),
            )
            .order_by(_observation.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1][0]
        keys = [{"oid": oid, "key": _matter_key(stored)} for oid, stored in rows]
        connection.execute(update, keys)
