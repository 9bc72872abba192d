"""Erasure, subject access and retention: a person's data can be removed in one
transaction (leaving only a record that erasure happened) or handed to them readable."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import date

from stegvis import audit
from foundation.errors import StegvisError
from foundation.db import Schema, checkpoint, now, transaction
from foundation.texts import DEFAULT, N_, local_time, t
from surveys.store import CONSENTS

SCHEMA = Schema("stegvis.privacy", {1: """
    CREATE TABLE erasures (
        id INTEGER PRIMARY KEY,
        erased_at TEXT NOT NULL,
        erased_by INTEGER,
        reason TEXT NOT NULL,
        rows_deleted TEXT NOT NULL
    );
"""})

TABLES = ("answers", "survey_sessions", "consents", "events", "participant_parties", "followups", "referrals",
          "registry_values", "enrolments", "shared_results", "participants")
# Bulk exports that hold individuals (pseudonymised or not); indicator exports and board
# reports are aggregates with small numbers suppressed.
PERSONAL_EXPORTS = ("answers", "scores", "registry")


# What an erasure deleted, per table, in words: one and many (Swedish nouns differ: "1 samtycke",
# "3 samtycken"); `erased_words` says them in this order.
ERASED = {
    "participants": (N_("privacy.erased.participants.one"), N_("privacy.erased.participants.many")),
    "enrolments": (N_("privacy.erased.enrolments.one"), N_("privacy.erased.enrolments.many")),
    "consents": (N_("privacy.erased.consents.one"), N_("privacy.erased.consents.many")),
    "survey_sessions": (N_("privacy.erased.survey_sessions.one"), N_("privacy.erased.survey_sessions.many")),
    "answers": (N_("privacy.erased.answers.one"), N_("privacy.erased.answers.many")),
    "events": (N_("privacy.erased.events.one"), N_("privacy.erased.events.many")),
    "participant_parties": (N_("privacy.erased.participant_parties.one"),
                            N_("privacy.erased.participant_parties.many")),
    "followups": (N_("privacy.erased.followups.one"), N_("privacy.erased.followups.many")),
    "referrals": (N_("privacy.erased.referrals.one"), N_("privacy.erased.referrals.many")),
    "shared_results": (N_("privacy.erased.shared_results.one"), N_("privacy.erased.shared_results.many")),
}


STATUSES = {"arbete": N_("coach.path.status.arbete"), "studier": N_("coach.path.status.studier"),
            "varken": N_("coach.path.status.varken")}


def erased_words(counts: dict[str, int], lang: str = DEFAULT) -> str:
    """What an erasure deleted, in words: "1 deltagare, 1 inskrivning, 1 samtycke; inga svar"."""
    said = [t(ERASED[table][0 if n == 1 else 1], lang, n=n) for table, n in
            sorted(counts.items(), key=lambda item: list(ERASED).index(item[0]) if item[0] in ERASED else 99)
            if n and table in ERASED]
    if not counts.get("answers"):
        return "; ".join([", ".join(said), t("privacy.erased.no_answers", lang)] if said else
                         [t("privacy.erased.no_answers", lang)])
    return ", ".join(said)


@dataclass
class Erasure:
    """What an erasure did: rows deleted per table, the copies made before it that still hold
    the person (from the audit log: backups and exports), and whether the database's write-ahead
    log was emptied so no deleted page remains in it."""

    counts: dict[str, int]
    copies: list[dict] = field(default_factory=list)
    wal_cleared: bool = True


def erase(db, participant_id: int, reason: str, by=None) -> Erasure:
    """Delete the person's answers, sessions, consents, enrolments and personal fields at once.
    Aggregates computed afterwards no longer include them. Deleted content is overwritten
    (every connection has secure_delete on) and the write-ahead log is checkpointed and
    truncated, so the erased text is gone from the files, not only from the tables. Backups
    and exports made before cannot be reached from here: they are listed, and the audit log
    records that they still hold the person (without saying who)."""
    if reason not in ("withdrawal", "request", "retention"):
        raise StegvisError("reason: withdrawal, request or retention")
    with transaction(db):
        if db.execute("SELECT 1 FROM participants WHERE id = ?", [participant_id]).fetchone() is None:
            raise StegvisError(f"no participant {participant_id}")
        copies = copies_holding(db, participant_id)
        sessions = "SELECT id FROM survey_sessions WHERE participant_id = ?"
        texts = [text for text, in db.execute("SELECT DISTINCT text_id FROM consents WHERE participant_id = ?",
                                              [participant_id])]
        counts = {
            "answers": db.execute(f"DELETE FROM answers WHERE session_id IN ({sessions})", [participant_id]).rowcount,
            "survey_sessions": db.execute("DELETE FROM survey_sessions WHERE participant_id = ?",
                                          [participant_id]).rowcount,
            "consents": db.execute("DELETE FROM consents WHERE participant_id = ?", [participant_id]).rowcount,
            **{table: db.execute(f"DELETE FROM {table} WHERE participant_id = ?", [participant_id]).rowcount
               for table in ("events", "participant_parties", "followups", "referrals", "registry_values")},
            "enrolments": db.execute("DELETE FROM enrolments WHERE participant_id = ?", [participant_id]).rowcount,
            "shared_results": db.execute("DELETE FROM shared_results WHERE participant_id = ?",
                                         [participant_id]).rowcount,
            "participants": db.execute("DELETE FROM participants WHERE id = ?", [participant_id]).rowcount,
        }
        # A consent text only this person was given goes too: whoever typed it may have named them.
        db.execute(f"DELETE FROM consent_texts WHERE id IN ({', '.join('?' for _ in texts)}) AND NOT EXISTS "
                   "(SELECT 1 FROM consents c WHERE c.text_id = consent_texts.id)", texts)
        db["erasures"].insert({"erased_at": now(), "erased_by": getattr(by, "id", None), "reason": reason,
                               "rows_deleted": json.dumps(counts)})
        audit.log(db, by or "system", "erase", participant_id, reason)
        audit.log(db, by or "system", "erase_copies_remain", participant_id, _copies_note(copies))
    return Erasure(counts, copies, checkpoint(db))


def copies_holding(db, participant_id: int) -> list[dict]:
    """Backups and exports in the audit log made since the person was registered that hold
    them: every backup, bulk exports of answers or scores of all programmes or one of theirs,
    and their own subject-access exports. Copies made outside Stegvis are not known here."""
    row = db.execute("SELECT created_at FROM participants WHERE id = ?", [participant_id]).fetchone()
    since = row[0] if row and row[0] and row[0][:1].isdigit() else ""
    programmes = {r[0] for r in db.execute("SELECT programme_id FROM enrolments WHERE participant_id = ?",
                                           [participant_id])}
    copies = []
    for entry_id, at, action, about, detail in db.execute(
            """SELECT id, at, action, participant_id, detail FROM audit_log
               WHERE action IN ('backup', 'export', 'export_participant') AND at >= ? ORDER BY id""", [since]):
        if action == "export_participant" and about != participant_id:
            continue
        if action == "export":
            kind, _, rest = (detail or "").partition(" ")
            scope = rest.split(" ")[0]
            if kind not in PERSONAL_EXPORTS or (scope != "alla" and scope not in programmes):
                continue
        copies.append({"log_id": entry_id, "at": at, "kind": "backup" if action == "backup" else "export",
                       "detail": detail if action != "export_participant" else "registerutdrag"})
    return copies


def _copies_note(copies: list[dict]) -> str:
    """The audit entry's text: counts and log ids only, nothing about the person."""
    backups = [c["log_id"] for c in copies if c["kind"] == "backup"]
    exports = [c["log_id"] for c in copies if c["kind"] == "export"]
    if not copies:
        return ("Inga säkerhetskopior eller exporter med personen finns i loggen. Kopior gjorda utanför "
                "Stegvis innehåller personen tills de raderas.")
    parts = [f"{len(backups)} säkerhetskopi{'a' if len(backups) == 1 else 'or'} (logg-id "
             f"{', '.join(map(str, backups))})" if backups else "",
             f"{len(exports)} export{'' if len(exports) == 1 else 'er'} (logg-id {', '.join(map(str, exports))})"
             if exports else ""]
    return ("Gjorda före raderingen och innehåller fortfarande personen: " + " och ".join(p for p in parts if p)
            + ". Radera dem, eller låt dem gallras enligt rutinen.")


def subject_access(db, catalog, participant_id: int, by=None) -> dict:
    """Everything stored about one person, with question texts, for a subject access request."""
    from surveys.answers import Answer
    from surveys.survey_flow import answer_text
    from surveys.textpacks import WordingSource

    from surveys.survey_flow import shared_results

    row = db.execute("SELECT code, gender, birth_year, created_at FROM participants WHERE id = ?",
                     [participant_id]).fetchone()
    if row is None:
        raise StegvisError(f"no participant {participant_id}")
    person = dict(zip(["code", "gender", "birth_year", "registered_at"], row))
    person["results_shared_with_participant"] = shared_results(db, participant_id)
    rows = lambda sql: [dict(zip([d[0] for d in cur.description], r)) for cur in [db.execute(sql, [participant_id])]
                        for r in cur.fetchall()]  # noqa: E731
    person["enrolments"] = rows("SELECT programme_id, started_on, exited_on, outcome FROM enrolments "
                                "WHERE participant_id = ?")
    person["consents"] = rows(CONSENTS)
    from surveys.path import path_of

    person.update(path_of(db, participant_id))  # referrals, events, parties, follow-ups, extensions
    from surveys.registry import values_of

    person["registry_fields"] = _registry_fields(catalog, values_of(db, participant_id))
    person["surveys"] = []
    for session in rows("SELECT id, programme_id, occasion, instrument_id, instrument_version, status, "
                        "created_at, completed_at FROM survey_sessions WHERE participant_id = ? ORDER BY id"):
        instrument = catalog.instrument(session["instrument_id"], session["instrument_version"])
        wording = WordingSource(db, instrument, "sv")
        answers = []
        session_id = session.pop("id")
        for item_id, status, value_num, value_text, other_text, value_type, at in db.execute(
                "SELECT item_id, status, value_num, value_text, other_text, value_type, answered_at FROM answers "
                "WHERE session_id = ? ORDER BY id", [session_id]):
            item = instrument.item(item_id)
            answer = Answer(item_id, status, value_num, value_text, other_text, value_type)
            answers.append({"question": wording.item(item).text, "item_id": item_id,
                            "answer": answer_text(instrument, item, answer), "answered_at": at})
        person["surveys"].append({**session, "answers": answers,
                                  "scores": _scores(db, instrument, session_id)})
    person["access_log"] = rows("SELECT at, username, action, detail FROM audit_log WHERE participant_id = ? "
                                "ORDER BY id")
    audit.log(db, by or "system", "export_participant", participant_id)
    return person


def _registry_fields(catalog, values: list[dict]) -> list[dict]:
    """The fields recorded for national reporting, with the field's and the choice's wording."""
    readable = []
    for value in values:
        entry = dict(value)
        try:
            field = catalog.programme(value["programme_id"]).registry_field(value["field"])
        except StegvisError:  # a field the latest definition no longer declares: its id and value
            readable.append(entry)
            continue
        entry["label"] = field.label.sv
        if field.kind == "choice" and any(c.id == value["value"] for c in field.choices):
            entry["answer"] = field.choice_label(value["value"])
        readable.append(entry)
    return readable


def _scores(db, instrument, session_id: int) -> list[dict]:
    """What was computed from the answers (scores are personal data too), as the coach sees them."""
    from indicators.scoring import score
    from surveys.answers import responses_frame

    if not instrument.scales:
        return []
    answers = responses_frame(db, instrument.id, completed_only=False, sessions=[session_id],
                              items=[i.id for i in instrument.items if i.kind in ("scale", "number")])
    if answers.empty:
        return []
    scored = score(instrument, answers).iloc[0]
    result = []
    for scale in instrument.scales:
        value = scored[scale.id]
        band = scored.get(f"{scale.id}_band")
        result.append({"scale": scale.label.sv, "score": None if value != value else round(float(value), 1),
                       "band": next((b.label.sv for b in scale.bands if b.id == band), None)})
    return result


def due_for_purge(db, years: int, today: date | None = None) -> list[dict]:
    """Participants whose every enrolment ended more than `years` years ago."""
    today = today or date.today()
    cutoff = today.replace(year=today.year - years) if not (today.month == 2 and today.day == 29) \
        else date(today.year - years, 2, 28)
    rows = db.execute(
        """SELECT p.id, p.code, max(e.exited_on) FROM participants p JOIN enrolments e ON e.participant_id = p.id
           GROUP BY p.id HAVING count(*) = count(e.exited_on) AND max(e.exited_on) < ?""", [cutoff.isoformat()])
    return [{"participant_id": r[0], "code": r[1], "last_exit": r[2]} for r in rows]


def purge(db, *, dry_run: bool = True, by=None, today: date | None = None) -> list[dict]:
    from foundation.settings import setting

    due = due_for_purge(db, setting(db, "retention_years"), today)
    if not dry_run:
        for person in due:
            erase(db, person["participant_id"], "retention", by)
    return due


def subject_access_pdf(person: dict, catalog, lang: str = DEFAULT) -> bytes:
    """The registerutdrag as a document for the person: what `subject_access` returns, in plain
    Swedish with names instead of ids and times in Swedish time, to print or hand over beside
    the JSON."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from stegvis.audit import ACTIONS

    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8.5, leading=10.5)
    programmes = {p.id: p for p in catalog.latest_programmes()}

    def name(programme_id) -> str:
        return programmes[programme_id].name.get(lang) if programme_id in programmes else str(programme_id or "")

    def label(lookup, fallback) -> str:
        try:
            return lookup()
        except (KeyError, StegvisError, StopIteration, AttributeError):
            return str(fallback or "")

    def grid(header: list[str], rows: list[list], widths=None):
        if not rows:
            return [Paragraph(escape(t("privacy.pdf.none", lang)), body)]
        data = [[Paragraph(f"<b>{escape(h)}</b>", small) for h in header]]
        data += [[Paragraph(escape("" if v is None else str(v)), small) for v in row] for row in rows]
        table = Table(data, repeatRows=1, hAlign="LEFT", colWidths=widths)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                                   ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        return [table]

    def heading(key: str):
        return Paragraph(escape(t(key, lang)), styles["Heading2"])

    gender = {"kvinna": N_("group.gender.kvinna"), "man": N_("group.gender.man"), "annat": N_("group.gender.annat"),
              "vill_inte_uppge": N_("group.gender.vill_inte_uppge")}.get(person.get("gender"))
    story = [Paragraph(escape(t("privacy.pdf.title", lang)), styles["Title"]),
             Paragraph(escape(t("privacy.pdf.intro", lang, code=person["code"], day=now()[:10])), body),
             heading(N_("privacy.pdf.person")),
             *grid([t("privacy.pdf.what", lang), t("privacy.pdf.value", lang)],
                   [[t("privacy.pdf.code", lang), person["code"]],
                    [t("privacy.pdf.gender", lang), t(gender, lang) if gender else person.get("gender") or ""],
                    [t("privacy.pdf.birth_year", lang), person.get("birth_year") or ""],
                    [t("privacy.pdf.registered", lang), local_time(person.get("registered_at"), lang)]],
                   [6 * cm, 10 * cm]),
             heading(N_("privacy.pdf.enrolments")),
             *grid([t("privacy.pdf.programme", lang), t("privacy.pdf.started", lang), t("privacy.pdf.exited", lang),
                    t("privacy.pdf.outcome", lang)],
                   [[name(e["programme_id"]), e["started_on"], e["exited_on"] or "",
                     label(lambda e=e: programmes[e["programme_id"]].outcome_label(e["outcome"], lang), e["outcome"])
                     if e["outcome"] else ""] for e in person["enrolments"]]),
             heading(N_("privacy.pdf.consents")),
             *grid([t("privacy.pdf.programme", lang), t("privacy.pdf.given", lang), t("privacy.pdf.text_version", lang),
                    t("privacy.pdf.scope", lang), t("privacy.pdf.withdrawn", lang)],
                   [[name(c["programme_id"]), c["given_on"], c["text_version"], c["scope"], c["withdrawn_on"] or ""]
                    for c in person["consents"]]),
             heading(N_("privacy.pdf.events")),
             *grid([t("privacy.pdf.programme", lang), t("privacy.pdf.day", lang), t("privacy.pdf.event", lang)],
                   [[name(e["programme_id"]), e["happened_on"],
                     label(lambda e=e: next(k.label.get(lang) for k in programmes[e["programme_id"]].events
                                            if k.id == e["event"]), e["event"])] for e in person.get("events", [])]),
             heading(N_("privacy.pdf.followups")),
             *grid([t("privacy.pdf.programme", lang), t("privacy.pdf.day", lang), t("privacy.pdf.occasion", lang),
                    t("privacy.pdf.status", lang)],
                   [[name(f["programme_id"]), f["recorded_on"],
                     label(lambda f=f: programmes[f["programme_id"]].occasion(f["occasion"]).label.get(lang), f["occasion"]),
                     t(STATUSES[f["status"]], lang) if f["status"] in STATUSES else f["status"]]
                    for f in person.get("followups", [])]),
             heading(N_("privacy.pdf.surveys"))]
    if not person["surveys"]:
        story.append(Paragraph(escape(t("privacy.pdf.none", lang)), body))
    for survey in person["surveys"]:
        title = label(lambda s=survey: catalog.instrument(s["instrument_id"], s["instrument_version"]).title.get(lang),
                      survey["instrument_id"])
        occasion = label(lambda s=survey: programmes[s["programme_id"]].occasion(s["occasion"]).label.get(lang),
                         survey["occasion"])
        when = local_time(survey.get("completed_at") or survey.get("created_at"), lang)
        story.append(Paragraph(escape(f"{title}: {occasion}, {name(survey['programme_id'])}, {when}"),
                               styles["Heading3"]))
        story += grid([t("privacy.pdf.question", lang), t("privacy.pdf.answer", lang)],
                      [[a["question"], a["answer"]] for a in survey["answers"]], [10 * cm, 7 * cm])
        if survey["scores"]:
            story.append(Spacer(1, 0.2 * cm))
            story += grid([t("privacy.pdf.scale", lang), t("privacy.pdf.score", lang), t("privacy.pdf.band", lang)],
                          [[s["scale"], "" if s["score"] is None else s["score"], s["band"] or ""]
                           for s in survey["scores"]])
    story += [heading(N_("privacy.pdf.log")), Paragraph(escape(t("privacy.pdf.log_help", lang)), body),
              *grid([t("privacy.pdf.when", lang), t("privacy.pdf.who", lang), t("privacy.pdf.what_done", lang)],
                    [[local_time(e["at"], lang), e["username"] or "",
                      t(ACTIONS[e["action"]], lang) if e["action"] in ACTIONS else e["action"]]
                     for e in person["access_log"]], [4 * cm, 4 * cm, 9 * cm])]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=t("privacy.pdf.title", lang), author="Stegvis",
                      leftMargin=1.8 * cm, rightMargin=1.8 * cm).build(story)
    return buffer.getvalue()
