"""The text catalogue (foundation/locale): every key in both languages, every key the code
names present, none left over, and the same placeholders in Swedish and English."""

from pathlib import Path
from string import Formatter

import pytest
from babel.messages.extract import extract_from_dir

from foundation import texts
from foundation.errors import StegvisError
from foundation.texts import KEYWORDS, LANGUAGES, Message, UnknownText, catalogue, t

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["foundation", "surveys", "indicators", "stegvis", "dashboards"]


def used_keys() -> dict[str, str]:
    """Every key named in the code through t(), N_() or Message(), found the way
    `pybabel extract` finds them (docs/texts.md), with where it is used."""
    found = {}
    for package in PACKAGES:
        for name, line, key, *_ in extract_from_dir(ROOT / package, method_map=[("**.py", "python")],
                                                      keywords={k: None for k in KEYWORDS}, comment_tags=()):
            found.setdefault(key, f"{package}/{name}:{line}")
    with (ROOT / "streamlit_app.py").open("rb") as app:
        from babel.messages.extract import extract

        for line, key, *_ in extract("python", app, keywords={k: None for k in KEYWORDS}):
            found.setdefault(key, f"streamlit_app.py:{line}")
    return found


def sources():
    yield ROOT / "streamlit_app.py"
    for package in PACKAGES:
        yield from (ROOT / package).rglob("*.py")


def test_no_key_is_hidden_inside_an_f_string():
    """Extraction (and so the two tests below) cannot see a key written inside an f-string."""
    import re
    import tokenize

    call = re.compile(r"\b(%s)\(\s*['\"]" % "|".join(KEYWORDS))  # a key written as a literal
    hidden = []
    for path in sources():
        with path.open("rb") as source:
            for token in tokenize.tokenize(source.readline):
                if token.type == tokenize.STRING and re.match(r"[rRbB]*[fF]", token.string) \
                        and call.search(token.string):
                    hidden.append(f"{path.relative_to(ROOT)}:{token.start[0]}")
    assert not hidden, f"a catalogue key inside an f-string: {hidden}"


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in Formatter().parse(text) if field is not None}


def raw_catalogue(lang: str):
    from babel.messages.pofile import read_po

    with texts.catalogue_file(lang).open("rb") as po:
        return read_po(po, locale=lang)


def test_every_key_has_a_text_in_every_language():
    keys = {lang: {m.id for m in raw_catalogue(lang) if m.id} for lang in LANGUAGES}
    every = set().union(*keys.values())
    for lang in LANGUAGES:
        assert not every - keys[lang], f"keys missing from the {lang} catalogue: {sorted(every - keys[lang])}"
        empty = every - set(catalogue(lang))
        assert not empty, f"keys with an empty or fuzzy text in {lang}: {sorted(empty)}"
        assert all(text.strip() for text in catalogue(lang).values())


def test_every_key_the_code_names_is_in_the_catalogue():
    used = used_keys()
    assert len(used) > 300  # the extraction found the pages, the report, the charts and the errors
    missing = {key: where for key, where in used.items() if key not in catalogue("sv")}
    assert not missing, f"keys used in the code but not in the catalogue: {missing}"


def test_every_key_in_the_catalogue_is_named_in_the_code():
    """A key looked up from a table is marked with N_(...), so none is left behind unused
    (and `pybabel update` would not drop it)."""
    unused = set(catalogue("sv")) - set(used_keys())
    assert not unused, f"keys in the catalogue that no code names: {sorted(unused)}"


def test_placeholders_are_the_same_in_both_languages():
    sv, en = catalogue("sv"), catalogue("en")
    differ = {key: (placeholders(sv[key]), placeholders(en[key])) for key in sv
              if placeholders(sv[key]) != placeholders(en[key])}
    assert not differ, f"placeholders differ between sv and en: {differ}"


def test_placeholders_are_filled_and_unknown_keys_refused():
    assert t("survey.question", "en", n=2, m=9) == "Question 2 of 9"
    assert t("survey.question", n=2, m=9) == "Fråga 2 av 9"
    with pytest.raises(UnknownText, match="no.such.key"):
        t("no.such.key")
    with pytest.raises(UnknownText):
        t("survey.question", "de")


def test_an_error_says_itself_in_the_readers_language():
    error = StegvisError(Message("error.code_invalid"))
    assert str(error) == t("error.code_invalid", "sv") and error.say("en") == t("error.code_invalid", "en")
    assert StegvisError("a command-line message").say("en") == "a command-line message"


def test_a_refused_answer_names_the_item_for_the_command_line_and_only_the_reason_for_the_participant():
    from surveys.answers import AnswerRefused

    refusal = AnswerRefused("kasam29, item q3", Message("error.answer.other_too_long", most=10))
    assert str(refusal) == "kasam29, item q3: " + t("error.answer.other_too_long", most=10)
    assert refusal.say("en") == "The text is too long (at most 10 characters)."


def test_a_message_can_hold_a_message_said_in_the_same_language():
    choices = Message("error.one_of", some="A", last="B")
    message = Message("error.occasion_after_exit_choose", exited="2026-06-01", programme="P", occasion="O",
                      choices=choices)
    assert message.say("sv").endswith("Välj A eller B.") and message.say("en").endswith("Choose A or B.")
