"""CBS key figures ("Kerncijfers wijken en buurten"), stored so that nobody waits for CBS.

One row per dataset (a CBS table, one per year), region (GM/WK/BU code, stripped) and measure
(our stable key, bot/figures/measures.py). A value CBS left empty or suppressed is no row, never 0.
"""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import utcnow


class CbsFigure(SQLModel, table=True):
    __tablename__ = "cbs_figure"
    __table_args__ = (
        UniqueConstraint("dataset", "region_code", "measure", name="uq_cbs_figure"),
        Index("ix_cbs_figure_region_measure_year", "region_code", "measure", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    dataset: str = Field(max_length=16)
    year: int
    region_code: str = Field(max_length=12)
    measure: str = Field(max_length=40)
    value: float
    fetched_at: datetime = Field(default_factory=utcnow)
