"""The help numbers a resident sees with an urgent text, from the configuration ([urgent])."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.config import Config


@dataclass(frozen=True)
class Contacts:
    emergency: str
    police: str
    suicide_prevention: tuple[str, ...]
    veilig_thuis: str
    municipality_line: str  # empty: not shown
    municipality: str  # the municipality's name, for its own line


def contacts(config: Config) -> Contacts:
    urgent = config.urgent
    return Contacts(
        emergency=urgent.emergency,
        police=urgent.police,
        suicide_prevention=tuple(urgent.suicide_prevention),
        veilig_thuis=urgent.veilig_thuis,
        municipality_line=urgent.municipality_line,
        municipality=config.municipality.name,
    )
