"""digest.parts_sent and digest.parts_total: a multi-part send's progress in columns of its own

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 10:00:00

A digest goes out in parts (texts, chart, list); a retry resumes after the parts that went out.
Until 0003 that progress was the start of the row's error text ("3/7: timeout": three of seven
parts sent). Existing rows get it in the columns and keep only the reason in `error`
("timeout"); "0/0" (the digest was never built) leaves parts_total NULL. Downgrading writes the
progress of failed rows back in front of their error text.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The progress as 0003's code wrote it: f"{sent}/{total}: {reason}". Written out here: a migration
# must not change when the code changes later.
_PROGRESS = re.compile(r"(\d+)/(\d+)(?:: (.*))?", re.DOTALL)
_ERROR_LENGTH = 400

_digest = sa.table(
    "digest",
    sa.column("id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("error", sa.String()),
    sa.column("parts_sent", sa.Integer()),
    sa.column("parts_total", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("parts_sent", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("parts_total", sa.Integer(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_digest.c.id, _digest.c.error).where(_digest.c.error.like("%/%"))
    ).all()
    moved = []
    for digest_id, error in rows:
        match = _PROGRESS.fullmatch(error)
        if match is None:
            continue
        moved.append(
            {
                "digest_id": digest_id,
                "sent": int(match.group(1)),
                "total": int(match.group(2)) or None,
                "reason": match.group(3) or None,
            }
        )
    if moved:
        connection.execute(
            sa.update(_digest)
            .where(_digest.c.id == sa.bindparam("digest_id"))
            .values(
                parts_sent=sa.bindparam("sent"),
                parts_total=sa.bindparam("total"),
                error=sa.bindparam("reason"),
            ),
            moved,
        )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_digest.c.id, _digest.c.parts_sent, _digest.c.parts_total, _digest.c.error).where(
            _digest.c.status == "failed"
        )
    ).all()
    restored = []
    for digest_id, sent, total, error in rows:
        progress = f"{sent}/{total or 0}"
        text = f"{progress}: {error}" if error else progress
        restored.append({"digest_id": digest_id, "progress": text[:_ERROR_LENGTH]})
    if restored:
        connection.execute(
            sa.update(_digest)
            .where(_digest.c.id == sa.bindparam("digest_id"))
            .values(error=sa.bindparam("progress")),
            restored,
        )
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.drop_column("parts_total")
        batch_op.drop_column("parts_sent")
