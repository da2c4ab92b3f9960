"""People and what they may do: Person, Membership (role per wijk) and Invite."""

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import telegram_id_field, utcnow
from models.enums import Role


class Person(SQLModel, table=True):
    """Someone who accepted the privacy statement. Nobody is stored before that."""

    id: int | None = Field(default=None, primary_key=True)
    telegram_id: int = telegram_id_field(unique=True, index=True)
    language: str = Field(default="nl", max_length=5)
    # The language of everyone's command menu in their Telegram app (ours for the app's
    # language, else Dutch: bot.telegram.command_menu.everyone_language), as last seen when
    # they chose a language; NULL: not seen. Where it is not `language`, their chat has a menu
    # of its own, renewed at start-up.
    app_language: str | None = Field(default=None, max_length=5)
    consent_at: datetime
    # What a coach sees: the pseudonym unless the person chose to share their name. One
    # person's only (bot.people.persons.give_consent picks one nobody has).
    pseudonym: str = Field(max_length=40, unique=True, index=True)
    display_name: str | None = Field(default=None, max_length=120)
    share_name: bool = False
    current_wijk_id: int | None = Field(default=None, foreign_key="wijk.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # "Nieuws uit je wijk": NULL not asked yet, False no (the default), True yes.
    wijk_news: bool | None = None
    # Set when Telegram answered 403 (blocked the bot); cleared when they write again.
    unreachable_at: datetime | None = None


class Membership(SQLModel, table=True):
    """A role in a wijk. Everyone gets `resident` for the wijk they chose; the rest by invite."""

    __table_args__ = (UniqueConstraint("person_id", "wijk_id", "role", name="uq_membership"),)

    id: int | None = Field(default=None, primary_key=True)
    # Found through uq_membership (its first column).
    person_id: int = Field(foreign_key="person.id", ondelete="CASCADE")
    wijk_id: int = Field(foreign_key="wijk.id", index=True)
    role: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    invite_id: int | None = Field(default=None, foreign_key="invite.id", ondelete="SET NULL")

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class Invite(SQLModel, table=True):
    """An invite link's code grants a role. Only the SHA-256 of the code is stored."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    role: str = Field(max_length=16)
    # Comma-separated wijk ids: a partner may serve several wijken.
    wijk_ids: str = Field(max_length=400)
    max_uses: int = 1
    uses: int = 0
    expires_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    note: str = Field(default="", max_length=200)

    def wijk_id_list(self) -> list[int]:
        # Each once: an invite stored with a wijk twice would store the role there twice.
        return list(dict.fromkeys(int(x) for x in self.wijk_ids.split(",") if x))
