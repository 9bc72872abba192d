"""The background and exit fields a programme declares for national reporting (SUS, ESF):
values checked against the declaration, then stored all or nothing, one per person,
programme and field. A refusal names the field and the value."""

from __future__ import annotations

import numbers

from foundation.db import current_time, transaction
from foundation.errors import StegvisError
from foundation.texts import Message, shown
from surveys.models import Programme, RegistryField

WHEN = ("start", "exit")


def check_values(programme: Programme, values: dict, when: str | None = None) -> dict[str, tuple]:
    """The values as stored, `{field: (value_text, value_num)}`, or StegvisError for the first
    wrong one: a field the programme does not declare (or, given `when`, one recorded at the
    other time), a choice it does not declare, a number that is not whole or is out of range,
    and, given `when`, a required field of that time left empty. An empty value (None or "")
    of a field that is not required records nothing."""
    declared = {f.id: f for f in programme.registry_fields}
    checked = {}
    for field_id, value in values.items():
        field = declared.get(field_id)
        if field is None or (when is not None and field.when != when):
            known = [f.id for f in programme.registry_fields if when is None or f.when == when]
            raise StegvisError(Message("error.registry.unknown_field", field=shown(field_id),
                                       programme=programme.name.sv, known=", ".join(known) or "–"))
        if value is None or value == "":
            if field.required and when is not None:
                raise _missing(field)
            continue
        checked[field.id] = _checked(field, value)
    if when is not None:
        for field in programme.registry_fields_at(when):
            if field.required and field.id not in checked:
                raise _missing(field)
    return checked


def _missing(field: RegistryField) -> StegvisError:
    if field.kind == "number":
        return StegvisError(Message("error.registry.missing_number", field=field.label.sv, min=field.min,
                                    max=field.max))
    return StegvisError(Message("error.registry.missing", field=field.label.sv))


def _checked(field: RegistryField, value) -> tuple:
    if field.kind == "choice":
        known = [c.id for c in field.choices]
        if not isinstance(value, str) or value not in known:
            raise StegvisError(Message("error.registry.choice", field=field.label.sv, value=shown(value),
                                       known=", ".join(known)))
        return value, None
    number = value
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "."))
        except ValueError:
            number = None
    if isinstance(number, bool) or not isinstance(number, numbers.Real) or number != number \
            or int(number) != number:
        raise StegvisError(Message("error.registry.not_number", field=field.label.sv, value=shown(value)))
    if not field.min <= number <= field.max:
        raise StegvisError(Message("error.registry.range", field=field.label.sv, value=shown(value),
                                   min=field.min, max=field.max))
    return None, int(number)


def record_values(db, programme: Programme, participant_id: int, values: dict, when: str | None = None,
                  recorded_by: int | None = None, on=None) -> int:
    """Check every value first, then store them in one transaction (a value recorded before is
    replaced); nothing is written when one is wrong. Returns how many were stored."""
    checked = check_values(programme, values, when)
    day = str(on or current_time().date())[:10]
    with transaction(db):
        for field_id, (text, num) in checked.items():
            db.execute("""INSERT INTO registry_values (participant_id, programme_id, field, value_text, value_num,
                                                       recorded_on, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)
                          ON CONFLICT (participant_id, programme_id, field) DO UPDATE SET
                            value_text = excluded.value_text, value_num = excluded.value_num,
                            recorded_on = excluded.recorded_on, recorded_by = excluded.recorded_by""",
                       [participant_id, programme.id, field_id, text, num, day, recorded_by])
    return len(checked)


def values_of(db, participant_id: int) -> list[dict]:
    """One person's recorded values, every programme: programme, field, value, day recorded."""
    cursor = db.execute("SELECT programme_id, field, coalesce(value_text, CAST(value_num AS INTEGER)) AS value, recorded_on "
                        "FROM registry_values WHERE participant_id = ? ORDER BY programme_id, rowid",
                        [participant_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]
