"""Fetching CBS figures (a mock CBS, its answers' real shapes) and combining them per spiegel wijk.

The municipality's and wijken's values below are made up for the tests (only the BU03620102 row
is CBS's, see tests/figures/data/README.md)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlmodel import select

from bot.cli.wijkbot import main as cli_main
from bot.context import Services
from bot.core.config import WijkConfig
from bot.figures.combine import areas_of, share, wijk_figures
from bot.figures.fetch import fetch_figures
from bot.figures.measures import column_map
from models import CbsFigure
from tests.figures.cbs import FakeCbs, properties, real_row, row


def gm_2025() -> dict[str, Any]:
    return row(
        "GM0362",
        AantalInwoners_5=92000,
        k_0Tot15Jaar_8=16000,
        k_65JaarOfOuder_12=18400,
        HuishoudensTotaal_29=43000,
        Eenpersoonshuishoudens_30=17000,
        HuishoudensMetKinderen_32=13000,
        GemiddeldeHuishoudensgrootte_33=2.1,
        Woningvoorraad_35=44000,
        Koopwoningen_47=50,
        HuurwoningenTotaal_48=50,
        GemiddeldInkomenPerInwoner_78=None,
    )


def elsrijk_2025(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "AantalInwoners_5": 9830,
        "k_0Tot15Jaar_8": 1640,
        "k_65JaarOfOuder_12": 2455,
        "HuishoudensTotaal_29": 4900,
        "Eenpersoonshuishoudens_30": 2000,
        "HuishoudensMetKinderen_32": 1200,
        "GemiddeldeHuishoudensgrootte_33": 2.0,
        "Woningvoorraad_35": 5000,
        "Koopwoningen_47": 56,
        "HuurwoningenTotaal_48": 44,
        "GemiddeldInkomenPerInwoner_78": None,  # still empty in 2025 (OPEN_DATA.md §2.1)
        "Bevolkingsdichtheid_34": 5200,
    }
    values.update(changes)
    return row("WK036203", **values)


def elsrijk_2024() -> dict[str, Any]:
    return row(
        "WK036203",
        AantalInwoners_5=9700,
        k_65JaarOfOuder_12=2300,
        Woningvoorraad_35=4950,
        Koopwoningen_47=57,
        GemiddeldInkomenPerInwoner_78=38.5,
    )


def gm_2024() -> dict[str, Any]:
    return row("GM0362", AantalInwoners_5=91000, k_65JaarOfOuder_12=17800)


@pytest.fixture
def cbs() -> FakeCbs:
    fake = FakeCbs()
    fake.edition("86165NED", [gm_2025(), elsrijk_2025(), real_row()])
    fake.edition("85984NED", [gm_2024(), elsrijk_2024()])
    return fake


def stored(services: Services) -> dict[tuple[str, str, str], float]:
    with services.db.session() as session:
        return {
            (f.dataset, f.region_code, f.measure): f.value for f in session.exec(select(CbsFigure))
        }


def test_column_map_reads_keys_then_titles() -> None:
    found, unknown = column_map(
        [("AantalInwoners_6", "Aantal inwoners"), ("Inw65_13", "65 jaar of ouder"), ("X_1", "X")]
    )
    assert found == {"inhabitants": "AantalInwoners_6", "age_65_plus": "Inw65_13"}
    assert unknown == ["X_1"]


async def test_fetch_stores_and_combines(services: Services, cbs: FakeCbs) -> None:
    result = await fetch_figures(services.db, services.config, transport=cbs.transport())
    assert result.ok, result.lines()
    rows = stored(services)
    assert rows[("86165NED", "WK036203", "inhabitants")] == 9830
    assert rows[("85984NED", "WK036203", "avg_income_per_inhabitant")] == 38.5
    # An empty value is no row, never 0.
    assert ("86165NED", "WK036203", "avg_income_per_inhabitant") not in rows
    # The region keys were asked padded, as CBS needs them.
    typed = [r for r in cbs.requests if r.url.path.endswith("TypedDataSet")]
    assert "'WK036203  '" in typed[0].url.params["$filter"]

    with services.db.session() as session:
        figures = wijk_figures(session, services.config, "elsrijk")
    assert figures is not None and figures.year == 2025 and figures.areas == ("WK036203",)
    people = figures.measures["inhabitants"]
    assert (people.value, people.municipality, people.year) == (9830, 92000, 2025)
    assert (people.previous, people.previous_year) == (9700, 2024)
    # Income is empty in 2025: the 2024 edition's value, per area, with its year.
    income = figures.measures["avg_income_per_inhabitant"]
    assert (income.year, income.dataset, income.per_area) == (2024, "85984NED", {"WK036203": 38.5})
    old = share(figures, "age_65_plus")
    assert old is not None and round(1 / old[0]) == 4 and old[1] == 0.2


async def test_a_wijk_of_several_areas(services: Services, cbs: FakeCbs) -> None:
    """Counts add up, shares are weighed by their base, what cannot be combined is per area."""
    cbs.edition(
        "86165NED",
        [
            gm_2025(),
            elsrijk_2025(),
            row(
                "WK036204",
                AantalInwoners_5=5000,
                k_65JaarOfOuder_12=500,
                Woningvoorraad_35=3000,
                Koopwoningen_47=20,
                Bevolkingsdichtheid_34=9000,
            ),
        ],
    )
    both = WijkConfig(slug="elsrijk", name="Elsrijk", cbs_wijk_codes=["WK036203", "WK036204"])
    config = replace(services.config, wijken=[both])
    await fetch_figures(services.db, config, transport=cbs.transport())
    with services.db.session() as session:
        figures = wijk_figures(session, config, "elsrijk")
    assert figures is not None
    assert figures.measures["inhabitants"].value == 14830
    owner = figures.measures["owner_occupied_pct"].value
    assert owner == pytest.approx((56 * 5000 + 20 * 3000) / 8000)
    density = figures.measures["density_per_km2"]
    assert density.value is None and density.per_area == {"WK036203": 5200, "WK036204": 9000}
    # Households are known in Elsrijk only: not shown as the whole wijk's.
    assert "households" not in figures.measures


async def test_buurt_codes_take_the_place_of_their_wijk(services: Services, cbs: FakeCbs) -> None:
    randwijck = WijkConfig(
        slug="randwijck",
        name="Randwijck",
        cbs_wijk_codes=["WK036201"],
        cbs_buurt_codes=["BU03620102"],
    )
    config = replace(services.config, wijken=[randwijck])
    assert areas_of(config, "randwijck") == ("BU03620102",)
    await fetch_figures(services.db, config, transport=cbs.transport())
    with services.db.session() as session:
        figures = wijk_figures(session, config, "randwijck")
    assert figures is not None
    assert figures.measures["inhabitants"].value == 3720  # CBS's row
    assert figures.measures["age_65_plus"].value == 565


async def test_renamed_and_missing_columns(services: Services, cbs: FakeCbs) -> None:
    await fetch_figures(services.db, services.config, transport=cbs.transport())
    # The next edition renames the inhabitants' column and drops the 65+ column from its answer.
    props = properties("86165NED")
    for p in props:
        if p["Key"] == "AantalInwoners_5":
            p["Key"] = "Inwoners_6"
    rows = [elsrijk_2025(), gm_2025()]
    for r in rows:
        r["Inwoners_6"] = r.pop("AantalInwoners_5") + 10
        r.pop("k_65JaarOfOuder_12")
    cbs.edition("86165NED", rows, props)
    result = await fetch_figures(services.db, services.config, transport=cbs.transport())
    assert result.ok
    after = stored(services)
    assert after[("86165NED", "WK036203", "inhabitants")] == 9840  # found by its title
    assert after[("86165NED", "WK036203", "age_65_plus")] == 2455  # missing column: kept


@pytest.mark.parametrize("how", ["unreachable", "http500", "shape", "no_measures"])
async def test_a_failure_keeps_what_was_stored(
    services: Services, cbs: FakeCbs, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    await fetch_figures(services.db, services.config, transport=cbs.transport())
    before = stored(services)
    if how == "unreachable":
        cbs.fail = True
    elif how == "http500":
        cbs.status = 500
    elif how == "shape":
        cbs.tamper = lambda ds, entity, body: {"value": {"oops": 1}}
    else:
        cbs.tamper = lambda ds, entity, body: (
            {"value": [{"Type": "Topic", "Key": "Iets_1", "Title": "Iets"}]}
            if entity == "DataProperties"
            else body
        )
    result = await fetch_figures(services.db, services.config, transport=cbs.transport())
    assert not result.ok
    assert all("stored figures kept" in line for line in result.lines())
    assert stored(services) == before
    assert "not updated" in caplog.text


async def test_suppressed_value_removes_the_stored_one(services: Services, cbs: FakeCbs) -> None:
    await fetch_figures(services.db, services.config, transport=cbs.transport())
    cbs.edition("86165NED", [gm_2025(), elsrijk_2025(k_0Tot15Jaar_8=None)])
    result = await fetch_figures(services.db, services.config, transport=cbs.transport())
    assert "1 removed" in result.lines()[1]
    assert ("86165NED", "WK036203", "age_0_14") not in stored(services)


async def test_no_mapping_and_nothing_stored(services: Services, cbs: FakeCbs) -> None:
    lone = WijkConfig(slug="elsrijk", name="Elsrijk")
    config = replace(services.config, wijken=[lone])
    with services.db.session() as session:
        assert areas_of(config, "elsrijk") == ()
        assert wijk_figures(session, config, "elsrijk") is None
        assert wijk_figures(session, services.config, "elsrijk") is None  # nothing stored yet


@pytest.fixture
def cli_cbs(cli_services: Services, cbs: FakeCbs, monkeypatch: pytest.MonkeyPatch) -> FakeCbs:
    """The command line (`wijkbot figures ...`) on the test's database, asking the mock CBS."""
    import bot.cli.figures as cli

    opened = cli.open_services

    def with_fake_cbs(config: Any) -> Services:
        services = opened(config)
        services.cbs_transport = cbs.transport()
        return services

    monkeypatch.setattr(cli, "open_services", with_fake_cbs)
    return cbs


def test_cli_fetch(cli_services: Services, cli_cbs: FakeCbs, capsys: Any) -> None:
    cbs = cli_cbs
    assert cli_main(["figures", "fetch"]) == 0
    assert "2025 86165NED:" in capsys.readouterr().out
    cbs.fail = True
    assert cli_main(["figures", "fetch"]) == 1
    assert "stored figures kept" in capsys.readouterr().out
    assert stored(cli_services)[("86165NED", "WK036203", "inhabitants")] == 9830


def test_statements_name_figures_in_the_spiegel_file(services: Services) -> None:
    from bot.spiegel import mirror
    from tests.spiegel.test_spiegel import load

    source = '[[threat]]\nkey = "oud"\ntext = "Er wonen veel ouderen."\nfigures = ["age_65_plus"]\n'
    edition_id = load(services, "elsrijk", source)
    with services.db.session() as session:
        (item,) = mirror.figure_statements(session, edition_id)
        assert (item.key, item.figures) == ("oud", "age_65_plus")
    # Naming another figure is a change; naming none takes the link away.
    load(services, "elsrijk", source.replace('["age_65_plus"]', "[]"))
    with services.db.session() as session:
        assert mirror.figure_statements(session, edition_id) == []

    for bad, reason in (
        ('["ouderen"]', "unknown figure 'ouderen'"),
        ('"age_65_plus"', "figures must be a list"),
    ):
        with pytest.raises(mirror.SpiegelFormatError) as caught:
            mirror.parse_toml(source.replace('["age_65_plus"]', bad), set())
        assert reason in caught.value.message and caught.value.line == 4


def test_config_reads_and_checks_the_datasets(tmp_path: Any) -> None:
    from bot.core.config import EXAMPLE_CONFIG_PATH, ConfigError, load_config

    example = EXAMPLE_CONFIG_PATH.read_text(encoding="utf-8")
    line = 'datasets = { 2024 = "85984NED", 2025 = "86165NED" }'
    assert line in example
    path = tmp_path / "c.toml"
    path.write_text(example.replace(line, 'datasets = { 2023 = "85618NED", 2024 = "85984NED" }'))
    config = load_config(path, env={}, require_token=False)
    assert config.figures.editions() == [(2023, "85618NED"), (2024, "85984NED")]
    for bad in ('{ 2024 = "kerncijfers" }', '{ next = "85984NED" }', '"85984NED"'):
        path.write_text(example.replace(line, f"datasets = {bad}"))
        with pytest.raises(ConfigError) as caught:
            load_config(path, env={}, require_token=False)
        assert "figures.datasets" in str(caught.value)


async def test_the_monthly_job_is_installed(bot: Any) -> None:
    from bot.figures.fetch import JOB_NAME

    (job,) = bot.app.job_queue.get_jobs_by_name(JOB_NAME)
    assert job is not None


async def test_snapshot_writes_what_cbs_answered_and_reads_back(
    services: Services, cbs: FakeCbs, tmp_path: Any
) -> None:
    """`wijkbot figures snapshot`: the wijk's and the municipality's stored figures as a file
    the bot can ship (the offline demo's), named with their tables; read back the same."""
    import json

    from bot.figures.fetch import load_file
    from bot.figures.snapshot import NothingStored, snapshot

    with services.db.session() as session, pytest.raises(NothingStored, match="figures fetch"):
        snapshot(session, services.config, "elsrijk")
    assert (await fetch_figures(services.db, services.config, transport=cbs.transport())).ok
    before = stored(services)
    with services.db.session() as session:
        body = snapshot(session, services.config, "elsrijk")
        with pytest.raises(NothingStored, match="no CBS wijk or buurt codes"):
            snapshot(session, services.config, "nergens")
    assert body["illustrative"] is False
    assert "Kerncijfers wijken en buurten 2024 (85984NED, " in body["source"]
    assert (
        "Kerncijfers wijken en buurten 2025 (86165NED, https://opendata.cbs.nl/" in body["source"]
    )
    regions = {row["region_code"] for row in body["figures"]}
    assert regions == {"WK036203", "GM0362"}  # not Randwijck's buurt, fetched beside them
    assert {"dataset": "86165NED", "year": 2025, "region_code": "WK036203",
            "measure": "inhabitants", "value": 9830} in body["figures"]  # fmt: skip

    path = tmp_path / "figures.json"
    path.write_text(json.dumps(body), encoding="utf-8")
    with services.db.session() as session:
        for figure in session.exec(select(CbsFigure)):
            session.delete(figure)
        session.commit()
    assert load_file(services.db, path) is False  # not illustrative: no "voorbeeldcijfers"
    again = stored(services)
    assert again == {k: v for k, v in before.items() if k[1] in regions}


def test_cli_snapshot(cli_cbs: FakeCbs, capsys: Any, tmp_path: Any) -> None:
    import json

    out = tmp_path / "figures_elsrijk.json"
    assert cli_main(["figures", "snapshot", "--wijk", "elsrijk", "--out", str(out)]) == 1
    assert "run `wijkbot figures fetch`" in capsys.readouterr().err
    assert not out.exists()
    assert cli_main(["figures", "fetch"]) == 0
    assert cli_main(["figures", "snapshot", "--wijk", "elsrijk", "--out", str(out)]) == 0
    assert f"figures of elsrijk written to {out}" in capsys.readouterr().out
    nowhere = tmp_path / "no-such-folder" / "figures.json"
    assert cli_main(["figures", "snapshot", "--wijk", "elsrijk", "--out", str(nowhere)]) == 2
    assert f"cannot write {nowhere}: No such file or directory" in capsys.readouterr().err
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["illustrative"] is False and "86165NED" in written["source"]
