"""A spiegel wijk's stored CBS figures as a file the bot can ship (`wijkbot figures snapshot`).

The offline demo shows figures from bot/demo/data/figures_elsrijk.json (read back with
`bot.figures.fetch.load_file`). The file that ships is illustrative: CBS cannot be reached where
the project is built. On a machine that can reach CBS, `wijkbot figures fetch` followed by
`wijkbot figures snapshot --wijk elsrijk --out bot/demo/data/figures_elsrijk.json` replaces it
with CBS's own figures for the wijk and the municipality, each edition named with its table and
the date it was fetched, and `illustrative` false: the demo then shows them without the
"voorbeeldcijfers" warning.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

from bot.core.config import Config
from bot.figures.combine import areas_of, municipality_code
from models import CbsFigure


class NothingStored(LookupError):
    """The wijk has no CBS areas in the configuration, or nothing is stored for them."""


def snapshot(session: Session, config: Config, wijk_slug: str) -> dict[str, Any]:
    """The file's body: the stored rows of the wijk's CBS areas and of the municipality, every
    edition, in a fixed order (a new snapshot of the same figures is the same file)."""
    areas = areas_of(config, wijk_slug)
    if not areas:
        raise NothingStored(f"{wijk_slug}: no CBS wijk or buurt codes in the configuration")
    gm = municipality_code(config)
    regions = [*areas, *([gm] if gm else [])]
    rows = session.exec(
        select(CbsFigure)
        .where(col(CbsFigure.region_code).in_(regions))
        .order_by(col(CbsFigure.year), col(CbsFigure.region_code), col(CbsFigure.measure))
    ).all()
    if not any(r.region_code in areas for r in rows):
        raise NothingStored(f"{wijk_slug}: no CBS figures stored (run `wijkbot figures fetch`)")
    editions: dict[str, dict[str, Any]] = {}
    for r in rows:
        fetched = r.fetched_at.date().isoformat()
        edition = editions.setdefault(r.dataset, {"year": r.year, "fetched": fetched})
        edition["fetched"] = max(edition["fetched"], fetched)
    base = config.opendata.cbs_url.rstrip("/")
    sources = [
        f"CBS StatLine, Kerncijfers wijken en buurten {e['year']} ({dataset}, "
        f"{base}/{dataset}), fetched {e['fetched']}"
        for dataset, e in sorted(editions.items(), key=lambda item: item[1]["year"])
    ]
    return {
        "illustrative": False,
        "source": "; ".join(sources),
        "note": f"Stored by `wijkbot figures snapshot --wijk {wijk_slug}` from CBS's answers.",
        "figures": [
            {
                "dataset": r.dataset,
                "year": r.year,
                "region_code": r.region_code,
                "measure": r.measure,
                "value": int(r.value) if float(r.value).is_integer() else r.value,
            }
            for r in rows
        ],
    }
