"""A wijk (district) of the municipality, mirrored from the configuration at start-up."""

from sqlalchemy import Text
from sqlmodel import Field, SQLModel


class Wijk(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=120)
    # CBS codes as a comma-separated list: informational; the mapping used is the config's.
    # Unbounded: a wijk may be made of many buurten (11 characters each).
    cbs_codes: str = Field(default="", sa_type=Text)
    # A wijk removed from the configuration stays for its history but is no longer offered.
    active: bool = True
