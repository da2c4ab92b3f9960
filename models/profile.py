"""PersonProfile: "Over jou", what a person chose to tell about themselves (all optional).

Stored apart from what they said: nothing here is ever shown beside an observation or a reaction.
The coach sees only counts of groups of five or more (bot/spiegel/blind_spots.py).
"""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow

AGE_GROUPS = ("u25", "25_44", "45_64", "65plus")
HOUSEHOLDS = ("alone", "together", "with_children")
YEARS_IN_WIJK = ("lt2", "2_10", "gt10")


class PersonProfile(SQLModel, table=True):
    __tablename__ = "person_profile"
    # One per person; its index finds a person's answers.
    __table_args__ = (UniqueConstraint("person_id", name="uq_person_profile_person"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    # Each NULL: not answered (skipped, or erased with "Wis mijn antwoorden").
    age_group: str | None = Field(default=None, max_length=8)
    household: str | None = Field(default=None, max_length=16)
    years_in_wijk: str | None = Field(default=None, max_length=8)
    # When the bot asked (once, after a first observation or reaction); the row exists from then.
    asked_at: datetime = Field(default_factory=utcnow)
    # "Later" at a question: from then the menu asks once more (while an answer is missing);
    # None: not again ("Nee, vraag het niet meer", or asked again already).
    ask_again_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow)
