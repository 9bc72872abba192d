"""Text packs: the licensed wording of an instrument, installed by an organisation that holds
permission, and the permission record itself. The repository ships placeholders only."""

from __future__ import annotations

import json
from dataclasses import dataclass

from foundation.errors import StegvisError
from foundation.texts import t
from surveys.definitions import check_textpack
from surveys.models import LANGUAGES, Instrument, Item, TextPack, TextPackItem
from foundation.db import now, transaction


def install_textpack(db, pack: TextPack, instrument: Instrument, installed_by: int | None = None,
                     source: str = "text pack") -> None:
    check_textpack(pack, instrument, source)
    with transaction(db):
        db["textpacks"].upsert({
            "instrument_id": pack.instrument, "language": pack.language, "instrument_version": pack.version,
            "source": pack.source, "content": pack.model_dump_json(), "installed_at": now(),
            "installed_by": installed_by,
        }, pk=("instrument_id", "language"))


def demo_textpack(instrument: Instrument, language: str) -> TextPack:
    """The definition's placeholder wording as a pack marked 'demo', so the demo shows the whole flow."""
    items = {}
    for item in instrument.items:
        labels = item.end_labels
        items[item.id] = TextPackItem(
            text=item.text.get(language),
            low=labels.low.get(language) if labels else None,
            high=labels.high.get(language) if labels else None,
        )
    return TextPack(instrument=instrument.id, version=instrument.version, language=language, source="demo",
                    title=instrument.title.get(language), items=items)


def record_permission(db, instrument: Instrument, reference: str, recorded_by: int | None = None) -> None:
    if not reference.strip():
        raise StegvisError("give the permission reference (e.g. the licence number or letter date)")
    with transaction(db):
        db["permissions"].upsert({"instrument_id": instrument.id, "reference": reference.strip(),
                                  "recorded_by": recorded_by, "recorded_at": now()}, pk="instrument_id")


@dataclass(frozen=True)
class Wording:
    text: str
    low: str | None
    high: str | None


class WordingSource:
    """Resolves the words shown for an item: the installed text pack when there is one,
    otherwise the definition's own text. Loaded once per instrument and language."""

    def __init__(self, db, instrument: Instrument, language: str):
        self.instrument = instrument
        self.language = language if language in LANGUAGES else "sv"
        row = db.execute(
            "SELECT content, source FROM textpacks WHERE instrument_id = ? AND language IN (?, 'sv') "
            "ORDER BY language = ? DESC LIMIT 1",
            [instrument.id, self.language, self.language],
        ).fetchone()
        self.pack = TextPack.model_validate(json.loads(row[0])) if row else None
        self.source = row[1] if row else None

    def title(self) -> str:
        return (self.pack.title if self.pack and self.pack.title else None) or self.instrument.title.get(self.language)

    def item(self, item: Item, programme_name: str = "") -> Wording:
        entry = self.pack.items.get(item.id) if self.pack else None
        labels = item.end_labels
        text = entry.text if entry else item.text.get(self.language)
        low = (entry.low if entry else None) or (labels.low.get(self.language) if labels else None)
        high = (entry.high if entry else None) or (labels.high.get(self.language) if labels else None)
        # "{insats}" lets an instrument name the participant's programme (seed 002 says "Porten").
        return Wording(text.replace("{insats}", programme_name or t("survey.the_programme", self.language)), low, high)
