"""[urgent]: the help numbers, per municipality, checked at load like every setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_config
from bot.urgent.contacts import contacts
from tests.helpers import FAKE_TOKEN

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def with_urgent(tmp_path: Path, old: str, new: str) -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "config.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_the_example_has_the_national_numbers() -> None:
    config = load_config(EXAMPLE, env={"WIJKBOT_TOKEN": FAKE_TOKEN})
    found = contacts(config)
    assert config.urgent.enabled
    assert found.emergency == "112" and found.police == "0900-8844"
    assert found.suicide_prevention == ("113", "0800-0113")
    assert found.veilig_thuis == "0800-2000" and found.municipality_line == ""
    assert found.municipality == "Amstelveen"


def test_a_municipality_sets_its_own_line(tmp_path: Path) -> None:
    path = with_urgent(tmp_path, 'municipality_line = ""', 'municipality_line = "14 020"')
    config = load_config(path, env={"WIJKBOT_TOKEN": FAKE_TOKEN})
    assert contacts(config).municipality_line == "14 020"


def test_switched_off_from_the_environment() -> None:
    env = {"WIJKBOT_TOKEN": FAKE_TOKEN, "WIJKBOT_URGENT_ENABLED": "false"}
    assert load_config(EXAMPLE, env=env).urgent.enabled is False


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('emergency = "112"', 'emergency = "bel maar"', "urgent.emergency"),
        ('police = "0900-8844"', 'police = ""', "urgent.police"),
        ('veilig_thuis = "0800-2000"', "veilig_thuis = 8002000", "urgent.veilig_thuis"),
        (
            'suicide_prevention = ["113", "0800-0113"]',
            "suicide_prevention = []",
            "urgent.suicide_prevention",
        ),
        (
            'suicide_prevention = ["113", "0800-0113"]',
            'suicide_prevention = ["113", "x"]',
            "urgent.suicide_prevention[1]",
        ),
        ('municipality_line = ""', 'municipality_line = "gemeente"', "urgent.municipality_line"),
    ],
)
def test_wrong_numbers_stop_with_one_line(tmp_path: Path, old: str, new: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(with_urgent(tmp_path, old, new), env={"WIJKBOT_TOKEN": FAKE_TOKEN})
    assert info.value.key == key
    assert "\n" not in str(info.value)
