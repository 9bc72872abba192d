"""Text packs: validated against the instrument, installed, used for the wording."""

import pytest

from foundation.errors import StegvisError
from surveys.definitions import check_textpack, load_file
from surveys.models import TextPack
from surveys.textpacks import WordingSource, install_textpack


def test_fixture_pack_matches_its_instrument(fixtures):
    tiny = load_file(fixtures / "definitions" / "tiny.yaml")
    pack = load_file(fixtures / "definitions" / "tiny_textpack.yaml")
    check_textpack(pack, tiny)


def test_missing_extra_and_end_labels_are_all_listed(catalog):
    kasam = catalog.instrument("kasam13")
    items = {f"q{n}": {"text": f"T{n}", "low": "l", "high": "h"} for n in range(1, 13)}
    items["q99"] = {"text": "extra"}
    items["q5"] = {"text": "no labels"}
    pack = TextPack.model_validate({"instrument": "kasam13", "language": "sv", "items": items})
    with pytest.raises(StegvisError) as caught:
        check_textpack(pack, kasam)
    message = str(caught.value)
    assert "no wording for items q13" in message
    assert "does not have: q99" in message
    assert "item q5 needs end labels" in message


def test_installed_pack_supplies_the_wording(db, catalog):
    kasam = catalog.instrument("kasam13")
    items = {f"q{n}": {"text": f"Licensierad {n}", "low": "Aldrig", "high": "Alltid"} for n in range(1, 14)}
    install_textpack(db, TextPack.model_validate({"instrument": "kasam13", "language": "sv", "items": items}), kasam)
    wording = WordingSource(db, kasam, "sv").item(kasam.item("q3"))
    assert (wording.text, wording.low, wording.high) == ("Licensierad 3", "Aldrig", "Alltid")
    english = WordingSource(db, kasam, "en").item(kasam.item("q3"))
    assert english.text == "Licensierad 3", "falls back to the Swedish pack"


def test_programme_name_replaces_insats(db, catalog):
    rating = catalog.instrument("sjalvskattning")
    wording = WordingSource(db, rating, "sv").item(rating.item("utveckling"), programme_name="Porten")
    assert "upplever du att Porten har utvecklat" in wording.text
