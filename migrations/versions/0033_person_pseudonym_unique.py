"""person.pseudonym unique: no two people show up to a coach as the same "Buur-4821"

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 22:10:00

A pseudonym was four random digits and could repeat: with a few hundred residents, two showed up
in a coach's list, card, digest, desk and exports as the same neighbour. Each later duplicate
(by created_at, then id) gets the next free number after it, the same on every run; the oldest
keeps theirs. Then a unique index keeps every pseudonym one person's. Downgrading drops the
index; the pseudonyms given stay.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NUMBERED = re.compile(r"Buur-(\d{1,30})")


def _free(pseudonym: str, taken: set[str]) -> str:
    """The next pseudonym after `pseudonym` nobody has: Buur-4821 -> Buur-4822, ...; any other
    form (not made by the bot) -> Buur-10000 and on."""
    match = _NUMBERED.fullmatch(pseudonym)
    number = int(match[1]) + 1 if match else 10000
    while f"Buur-{number}" in taken:
        number += 1
    return f"Buur-{number}"


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, pseudonym FROM person ORDER BY created_at, id")).all()
    taken = {pseudonym for _, pseudonym in rows}
    kept: set[str] = set()
    for person_id, pseudonym in rows:
        if pseudonym not in kept:
            kept.add(pseudonym)
            continue
        fresh = _free(pseudonym, taken)
        taken.add(fresh)
        kept.add(fresh)
        conn.execute(
            sa.text("UPDATE person SET pseudonym = :p WHERE id = :id"),
            {"p": fresh, "id": person_id},
        )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_pseudonym"), ["pseudonym"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_pseudonym"))
