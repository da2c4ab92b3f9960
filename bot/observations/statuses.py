"""Which statuses count as what, in one place (models.enums.ObservationStatus).

- OPEN: not finished with; "ik ook" joins these, the sender may withdraw them, the chat inbox's
  "Nog open" lists them, and a coach may still answer them.
- VISIBLE: counted and quoted in the digest and the supplement. A duplicate repeats one already
  counted (a second person saying the same is a supporter, "ik ook"), a hidden one was abuse,
  privacy or spam, a withdrawn one the sender took back: none of them counts.
- UNHANDLED: nobody picked it up yet (new or read): the digest's "waits for an answer" lists
  these when they also have no answer. In progress and referred ones are being handled. One the
  sender reopened, or a coach set to new, is new again without an answer: its earlier answer
  (and the reply) moved into its history (bot/observations/workflow.py `reopen`,
  `change_status`), so it waits and a coach can answer.
- TOOK_PART: an observation by which its sender (and whoever said "ik ook" to it) took part
  (bot/people/participation.py): any but hidden and withdrawn. A duplicate's sender said what
  another said, as a supporter does: they took part, though it is not counted twice.
- COACH: the statuses a coach can set (bot/observations/workflow.py).
"""

from models import ObservationStatus as S

OPEN = (S.NEW.value, S.READ.value, S.IN_PROGRESS.value, S.REFERRED.value)
VISIBLE = (*OPEN, S.RESOLVED.value)
UNHANDLED = (S.NEW.value, S.READ.value)
TOOK_PART = (*VISIBLE, S.DUPLICATE.value)
COACH = (*VISIBLE, S.DUPLICATE.value, S.HIDDEN.value)
