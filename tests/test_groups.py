"""Respondent groups are declared data (groups.yaml): each instrument names a group the file
declares, a förbund's own group works without code, and every mistake names the file and the
group."""

from pathlib import Path

import pytest

from foundation.errors import StegvisError
from stegvis.cli import run
from surveys.definitions import load_file, parse_text, shipped_catalog, validate_paths
from surveys.models import Groups
from surveys.rounds import create_round

ROUNDS = Path(__file__).parent / "fixtures" / "definitions" / "rounds"


def test_the_shipped_groups_cover_the_nns_groups_and_employers():
    catalog = shipped_catalog()
    assert {"deltagare", "insatspersonal", "styrelse", "chefer", "remittenter", "arbetsgivare"} <= set(catalog.groups)
    assert catalog.group("deltagare").answers == "participant"
    assert [g.id for g in catalog.round_groups()][:2] == ["insatspersonal", "styrelse"]  # the file's order
    assert catalog.group_label("chefer", "en") == "Managers in the member organisations"
    assert catalog.group_label("borttagen") == "borttagen"  # answers stored under a group since removed


@pytest.mark.parametrize("group", ["chefer", "remittenter", "arbetsgivare"])
def test_every_round_group_has_an_instrument_with_share_indicators(group):
    catalog = shipped_catalog()
    instruments = [i for i in catalog.latest_instruments() if i.respondent_group == group]
    assert instruments, f"no instrument for {group}"
    for instrument in instruments:
        assert instrument.license is None and instrument.participant_view == "never"
        assert instrument.indicators and all(d.aggregation == "share_at_least" and d.cut for d in instrument.indicators)


def test_a_groups_file_with_mistakes_names_the_line():
    with pytest.raises(StegvisError, match=r"groups.yaml:3: groups.1: duplicate group id styrelse"):
        parse_text("groups:\n  - {id: styrelse, label: S, answers: round}\n  - {id: styrelse, label: T, "
                   "answers: round}\n", "groups.yaml")
    with pytest.raises(StegvisError, match=r"groups.yaml:2: groups.0.answers: .*'participant' or 'round'"):
        parse_text("groups:\n  - {id: mentorer, label: M, answers: email}\n", "groups.yaml")
    assert isinstance(parse_text("groups:\n  - {id: mentorer, label: M, answers: round}\n"), Groups)


def test_an_instrument_of_an_undeclared_group_names_file_and_group(tmp_path):
    path = tmp_path / "grannar.yaml"
    path.write_text((ROUNDS / "mentorer.yaml").read_text(encoding="utf-8").replace("mentorer", "grannar"),
                    encoding="utf-8")
    with pytest.raises(StegvisError) as refused:
        validate_paths([path])
    message = str(refused.value)
    assert "grannar.yaml: instrument mentorenkat: respondent_group grannar is not declared in" in message
    assert "surveys/definitions/groups.yaml" in message and "known: deltagare" in message


def test_a_forbunds_own_group_needs_no_code(db):
    """Its own groups file, an instrument for the group, a round declared for it: valid, and a round
    for the group is made and named from the files."""
    loaded = validate_paths([ROUNDS / "groups.yaml", ROUNDS / "mentorer.yaml", ROUNDS / "forbund.yaml"])
    assert len(loaded) == 3
    catalog = shipped_catalog().copy()
    for name in ("groups.yaml", "mentorer.yaml", "forbund.yaml"):
        catalog.add(load_file(ROUNDS / name))
    assert catalog.problems() == []
    assert catalog.group_label("mentorer") == "Mentorer" and "mentorer" in {g.id for g in catalog.round_groups()}
    round_, codes = create_round(db, catalog, group="mentorer", instruments=["mentorenkat"], invited=4,
                                 closes_on="2099-12-31", declared="mentorer_februari")
    assert (round_.respondent_group, round_.declared, len(codes)) == ("mentorer", "mentorer_februari", 4)


def test_validate_lists_the_groups_and_the_forbund(capsys):
    assert run(["validate"]) == 0
    out = capsys.readouterr().out
    assert "ok  groups" in out and "arbetsgivare" in out
    assert "ok  forbund" in out and "chefer_varen" in out
