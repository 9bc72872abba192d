"""Definition files: the shipped ones load, broken ones are refused with file, line and what."""

import json

import jsonschema
import pytest
import yaml

from stegvis.cli import run
from foundation.errors import StegvisError
from surveys.definitions import json_schema, load_file, parse_text, shipped_files, validate_paths
from surveys.models import Instrument, Programme

BROKEN = {
    # fixture: (line, words the message must contain)
    "broken_unknown_item.yaml": (12, ["scales.0.items.2", "unknown item q99"]),
    "broken_reversed.yaml": (13, ["scales.0.reversed.0", "reversed item b is not among"]),
    "broken_duplicate.yaml": (9, ["items.2", "duplicate item id a"]),
    "broken_bands.yaml": (15, ["scales.0.bands.1", "band hog overlaps band lag"]),
    "broken_yaml.yaml": (4, ["not valid YAML"]),
    "broken_scale_id.yaml": (10, ["scales.0.id", "scale a has the id of an item"]),
}


def test_every_shipped_definition_is_valid():
    loaded = validate_paths([])
    ids = {d.id for d in loaded if hasattr(d, "id")}
    assert {"kasam29", "kasam13", "sjalvskattning", "nulage_onskat", "deltagare_pagaende", "deltagare_avslut",
            "insatspersonal", "styrelse", "efterstod_uppfoljning", "chefer_samverkan", "remittenter", "arbetsgivare",
            "jobbvagen_ar", "porten", "efterstod"} <= ids
    kinds = {type(d).__name__ for d in loaded}
    assert {"Groups", "Forbund"} <= kinds


def test_kasam29_key_matches_the_specification(catalog):
    kasam = catalog.instrument("kasam29")
    assert [i.id for i in kasam.items] == [f"q{n}" for n in range(1, 30)]
    reversed_total = set(kasam.scale("total").reversed)
    assert reversed_total == {f"q{n}" for n in (1, 4, 5, 6, 7, 11, 13, 14, 16, 20, 23, 25, 27)}
    sub = [kasam.scale(s) for s in ("begriplighet", "hanterbarhet", "meningsfullhet")]
    assert sorted(i for s in sub for i in s.items) == sorted(f"q{n}" for n in range(1, 30))
    assert set().union(*(set(s.reversed) for s in sub)) == reversed_total
    assert [s.max_missing for s in sub] == [1, 1, 1] and kasam.scale("total").max_missing == 2
    assert [(b.min, b.max) for b in kasam.scale("total").bands] == [(None, 140), (141, 165), (166, None)]
    assert kasam.license.requires_permission
    assert all("fråga" in i.text.sv for i in kasam.items), "licensed wording must never be shipped"


def test_kasam13_items_and_reversal(catalog):
    kasam = catalog.instrument("kasam13")
    assert set(kasam.scale("total").reversed) == {"q1", "q2", "q3", "q7", "q10"}
    assert kasam.scale("begriplighet").items == ["q2", "q6", "q8", "q9", "q11"]
    for scale in kasam.scales:  # a reversed item is reversed in every scale it belongs to
        assert set(scale.reversed) == set(scale.items) & {"q1", "q2", "q3", "q7", "q10"}, scale.id
    assert [(b.min, b.max) for b in kasam.scale("total").bands] == [(None, 60), (61, 75), (76, None)]


def test_programmes_as_the_seeds_run_them(catalog):
    jobbvagen = catalog.programme("jobbvagen_ar")
    assert jobbvagen.max_duration_months == 12 and len(jobbvagen.outcomes) == 9
    goal = jobbvagen.goals[0]
    assert goal.id == "nasta_steg" and goal.target == 0.55 and len(goal.numerator.outcomes) == 6
    assert jobbvagen.occasion("followup").repeat_months == 3
    porten = catalog.programme("porten")
    assert [o.id for o in porten.occasions] == ["intake", "midpoint", "exit"]
    assert {g.id: g.target for g in porten.goals} == {"arbete_studier": 0.70, "kasam_okat": 0.70, "arbetsformaga": 1.0}
    assert catalog.programme("efterstod").goals[0].target == 0.75


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_definition_names_file_line_and_problem(fixtures, name):
    line, words = BROKEN[name]
    path = fixtures / "definitions" / name
    with pytest.raises(StegvisError) as caught:
        load_file(path)
    message = str(caught.value)
    assert f"{path}:{line}:" in message
    for word in words:
        assert word in message


def test_typos_are_all_reported_with_their_lines(fixtures):
    with pytest.raises(StegvisError) as caught:
        load_file(fixtures / "definitions" / "broken_typo.yaml")
    message = str(caught.value)
    assert ":7: items.0.kind:" in message and "'scale'" in message
    assert ":8: items.1.txet: unknown field `txet`" in message
    assert ":8: items.1: missing required field `text`" in message


def test_duplicate_yaml_key_is_refused():
    with pytest.raises(StegvisError, match=r"<text>:3: id: the key appears twice"):
        parse_text("id: a\nversion: 1\nid: b\n")


def test_programme_cross_references_are_checked(fixtures):
    with pytest.raises(StegvisError) as caught:
        validate_paths([fixtures / "definitions" / "broken_programme.yaml"])
    assert "goal mal names unknown outcome studier" in str(caught.value)
    assert "broken_programme.yaml:11:" in str(caught.value)


def test_programme_naming_an_unknown_instrument_is_refused(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("id: p\nversion: 1\nname: P\noccasions:\n  - {id: a, label: A, instruments: [nope]}\n"
                    "outcomes:\n  - {id: x, label: X}\n", encoding="utf-8")
    with pytest.raises(StegvisError, match="occasion a: unknown instrument nope"):
        validate_paths([path])


def test_validate_command_exit_codes(fixtures, capsys):
    assert run(["validate"]) == 0
    assert "definition(s) valid" in capsys.readouterr().out
    assert run(["validate", str(fixtures / "definitions" / "broken_bands.yaml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and "overlaps" in err and "Traceback" not in err


def test_json_schema_validates_every_shipped_file():
    schema = json_schema()
    for path in shipped_files():
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        jsonschema.validate(data, schema)


def test_json_schema_rejects_what_the_models_reject():
    schema = json_schema()
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"id": "x", "version": 1, "title": "X", "items": [{"id": "a", "kind": "slider"}]}, schema)


def test_schema_command_prints_the_generated_schema(capsys, tmp_path):
    assert run(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["$defs"]) >= {"Instrument", "Programme", "TextPack"}
    out = tmp_path / "schema.json"
    assert run(["schema", "--output", str(out)]) == 0
    assert json.loads(out.read_text()) == printed


def test_plain_string_text_means_swedish():
    instrument = Instrument.model_validate({"id": "x", "version": 1, "title": "Titel",
                                            "items": [{"id": "a", "kind": "free_text", "text": "Fråga"}]})
    assert instrument.title.get("en") == "Titel" and instrument.items[0].text.sv == "Fråga"


def test_model_round_trip_keeps_every_field(catalog):
    for definition in [*catalog.latest_instruments(), *catalog.latest_programmes()]:
        model = type(definition)
        assert model.model_validate(definition.model_dump(by_alias=True)) == definition
    assert isinstance(catalog.programme("porten"), Programme)
