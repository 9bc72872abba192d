"""Demo data: three programmes, coaches, a board member and an administrator, and about
150 participants over three years with plausible answers at every occasion that has
passed. Deterministic and idempotent: running it twice changes nothing."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from stegvis.accounts import create_user, get_user
from indicators.round_schedule import month_end
from indicators.schedule import add_months, followup_dates
from surveys.answers import DONT_KNOW, SKIPPED, Answer, check_answer, store_answers
from surveys.definitions import Catalog
from surveys.models import Instrument, Programme
from surveys.path import record_event, record_extension, record_followup, record_referral, set_parties
from surveys.registry import record_values
from surveys.rounds import close_due_rounds, create_round
from surveys.sessions import hash_code, open_visit, visit_for_code
from surveys.survey_flow import current, give, send_in, share_results
from foundation.db import clock, now, transaction
from foundation.settings import get_setting, set_setting
from surveys.store import publish_definitions, record_consent
from surveys.textpacks import demo_textpack, install_textpack, record_permission

DEMO_VERSION = "1"

# Demo logins, documented in the README. Demo only: `stegvis demo` is for trying Stegvis out.
DEMO_USERS = [
    # username, password, role, display name, programmes coached
    ("admin", "stegvis-admin", "admin", "Förbundschef (demo)", []),
    ("anna", "stegvis-coach", "coach", "Anna Lind", ["jobbvagen_ar"]),
    ("bengt", "stegvis-coach", "coach", "Bengt Öberg", ["jobbvagen_ar", "porten"]),
    ("cecilia", "stegvis-coach", "coach", "Cecilia Nordin", ["porten"]),
    ("david", "stegvis-coach", "coach", "David Sandberg", ["efterstod"]),
    ("styrelse", "stegvis-board", "board", "Styrelseledamot (demo)", []),
]

# Fixed codes so a new user can try the tablet survey at once (README). Re-created by
# `stegvis demo` when used up or expired.
DEMO_CODES = {
    "KASAM2": ("porten", "exit", ["kasam29", "sjalvskattning"]),
    "VAGEN3": ("jobbvagen_ar", "followup", ["nulage_onskat", "deltagare_pagaende"]),
}

PLAN = {  # programme: (participants, coaches, months in programme (min, max), outcome weights per gender)
    "jobbvagen_ar": (60, ["anna", "bengt"], (4, 12), {
        # Seed 000's exits (kvinna, man) as weights.
        "af_insats": (6, 5), "arbete_subvention": (3, 1), "arbete_utan_subvention": (1, 2),
        "arbetsmarknadsutbildning": (1, 1), "avbrutit": (3, 4), "fk_sjukpenning": (8, 2),
        "fk_forstarkt_samarbete": (3, 1), "sof_annan_planering": (7, 13), "studier_csn": (4, 2)}),
    "porten": (60, ["bengt", "cecilia"], (3, 24), {
        # Seed 002's exits (kvinna, man) as weights.
        "arbete_utan_subvention": (4, 6), "arbete_subvention": (17, 33), "studier": (2, 3),
        "aktivt_arbetssokande": (15, 17), "avbrutit": (6, 8), "annat": (5, 7)}),
    "efterstod": (32, ["david"], (3, 12), {
        "behallit_arbete": (9, 10), "fullfoljt_studier": (4, 3), "avbrutit_arbete": (2, 3),
        "avbrutit_studier": (1, 1), "annat": (1, 1)}),
}
PREFIX = {"jobbvagen_ar": "JV", "porten": "PO", "efterstod": "ES"}
FIRST_START = date(2024, 1, 8)

FREE_TEXT = [
    "Bra att ha en och samma kontakt hela tiden.",
    "Jag slapp berätta min historia igen, det var skönt.",
    "Ibland blev det för många möten på en vecka.",
    "Min coach lyssnade på vad jag ville.",
    "Svårt att veta vad som händer efter att jag slutar.",
    "Det kändes lugnt och utan stress.",
]


@dataclass
class Summary:
    created: bool
    participants: int
    sessions: int
    answers: int
    codes: dict[str, str]


def run_demo(db, catalog: Catalog, today: date | None = None) -> Summary:
    """Create the demo organisation once; refresh the demo codes every time."""
    today = today or date.today()
    publish_definitions(db)
    for username, password, role, display, programmes in DEMO_USERS:
        if get_user(db, username) is None:
            create_user(db, username, password, role, display_name=display, coach_of=programmes)
    admin_id = get_user(db, "admin").id
    for instrument in catalog.latest_instruments():
        if instrument.license and instrument.license.requires_permission:
            if not db.execute("SELECT 1 FROM permissions WHERE instrument_id = ?", [instrument.id]).fetchone():
                record_permission(db, instrument, "DEMO – inget riktigt tillstånd, endast för demonstration", admin_id)
            for language in ("sv", "en"):
                if not db.execute("SELECT 1 FROM textpacks WHERE instrument_id = ? AND language = ?",
                                  [instrument.id, language]).fetchone():
                    install_textpack(db, demo_textpack(instrument, language), instrument, admin_id)
    created = get_setting(db, "demo_version") is None
    if created:
        _generate(db, catalog, today, random.Random(2026))
        _national(db, catalog, today, random.Random(15))
        set_setting(db, "demo_version", DEMO_VERSION)
    codes = _refresh_demo_codes(db, catalog, today)
    count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
    return Summary(created, count("SELECT count(*) FROM participants"), count("SELECT count(*) FROM survey_sessions"),
                   count("SELECT count(*) FROM answers"), codes)


def _generate(db, catalog: Catalog, today: date, rng: random.Random) -> None:
    users = {u: get_user(db, u).id for u, *_ in DEMO_USERS}
    path_rng = random.Random(2027)  # the path has its own sequence: the surveys' data stays as it was
    registry_rng = random.Random(2028)  # and so do the fields for national reporting
    span = (today - FIRST_START).days - 30
    with transaction(db):
        for programme_id, (count, coaches, (lo, hi), weights) in PLAN.items():
            programme = catalog.programme(programme_id)
            for n in range(count):
                gender = rng.choices(["kvinna", "man", "annat"], [0.47, 0.5, 0.03])[0]
                column = 0 if gender != "man" else 1
                start = FIRST_START + timedelta(days=int(span * (n + rng.random()) / count))
                months = rng.randint(lo, hi)
                exit_day = add_months(start, months) - timedelta(days=rng.randint(0, 20))
                exited = exit_day < today - timedelta(days=7)
                outcome = rng.choices(list(weights), [w[column] + 0.3 for w in weights.values()])[0] if exited else None
                coach = coaches[n % len(coaches)]
                participant_id = db["participants"].insert({
                    "code": f"{PREFIX[programme_id]}-{start.year % 100:02d}{n + 1:03d}", "gender": gender,
                    "birth_year": rng.randint(1964, 2005), "coach_id": users[coach],
                    "created_at": _stamp(start),
                }).last_pk
                shares = rng.random() < 0.5  # the coach shows about half of them what they may share
                for instrument_id in sorted({i for o in programme.occasions for i in o.instruments}):
                    instrument = catalog.instrument(instrument_id)
                    if shares and instrument.participant_view == "coach_shares":
                        share_results(db, participant_id, instrument, True, users[coach])
                db["enrolments"].insert({
                    "participant_id": participant_id, "programme_id": programme_id, "started_on": start.isoformat(),
                    "exited_on": exit_day.isoformat() if exited else None, "outcome": outcome,
                })
                record_consent(db, participant_id, programme_id, start.isoformat(), "samtycke-2024-1",
                               "Behandling av svar och uppföljning inom insatsen", users[coach])
                _path(db, catalog, programme, path_rng, participant_id, gender, start, exit_day if exited else None,
                      outcome, months, today, users[coach])
                _registry(db, programme, registry_rng, participant_id, start, exit_day if exited else None, outcome,
                          users[coach])
                person = _Person(rng, outcome, gender)
                for occasion_id, day, fraction in _occasions(programme, start, exit_day if exited else None, today):
                    for instrument_id in programme.occasion(occasion_id).instruments:
                        instrument = catalog.instrument(instrument_id)
                        if rng.random() < 0.12:  # not everyone answers every time (seed 002: 50 %)
                            continue
                        _answered_session(db, instrument, participant_id, programme_id, occasion_id, day,
                                          users[coach], person.answers(instrument, fraction))
            _referrals_not_enrolled(db, programme, path_rng, count, today, users[coaches[0]])
        _rounds(db, catalog, today, rng, users["admin"])


def _national(db, catalog: Catalog, today: date, rng: random.Random) -> None:
    """Made-up national figures for the NNS indicators, for each completed year, so the board
    shows its own beside the nation's. Example figures only, not the NNS's results."""
    from indicators.national import NationalFigure, asked_of, replace_years

    figures = []
    for year in range(FIRST_START.year, today.year):
        for indicator, groups in sorted(asked_of(catalog).items()):
            if not indicator.startswith("nns_"):
                continue  # the NNS publishes its own indicators only
            for group in sorted(groups):
                share = round(rng.uniform(0.55, 0.88), 2)
                figures.append(NationalFigure(year, indicator, group, share, round(1 + 4 * share - rng.random() / 4, 2),
                                              rng.randint(1500, 2100) if group == "deltagare" else rng.randint(200, 700)))
    replace_years(db, figures, "demo: påhittade exempelsiffror, inte NNS resultat")


class _Person:
    """A participant's latent state, so answers agree across items and improve plausibly."""

    def __init__(self, rng: random.Random, outcome: str | None, gender: str):
        self.rng = rng
        good = outcome in {"arbete_subvention", "arbete_utan_subvention", "studier", "studier_csn",
                           "behallit_arbete", "fullfoljt_studier", "af_insats", "arbetsmarknadsutbildning"}
        self.level = rng.gauss(-0.45, 0.5)  # below the population mean (seed 002: intake 111, exit 118)
        self.gain = rng.gauss(0.35 if good else 0.05, 0.3)

    def answers(self, instrument: Instrument, fraction: float) -> list[Answer]:
        rng = self.rng
        latent = self.level + self.gain * fraction
        if instrument.indicators:  # satisfaction surveys run higher than wellbeing scales
            latent += 0.9
        reversed_items = {i for s in instrument.scales for i in s.reversed}
        desired = {p.desired for p in instrument.current_desired}
        result = []
        for item in instrument.items:
            if item.show_if:
                continue  # demo answers skip conditional follow-ups
            if item.kind == "scale":
                low, high = instrument.item_range(item.id)
                scale = instrument.response_scale(item.scale)
                if rng.random() < 0.03:
                    result.append(Answer(item.id, SKIPPED))
                    continue
                if scale.dont_know and rng.random() < 0.05:
                    result.append(Answer(item.id, DONT_KNOW))
                    continue
                mid, spread = (low + high) / 2, (high - low) / 2
                centre = mid + spread * (0.75 if item.id in desired else math.tanh(latent + 0.25))
                value = round(min(high, max(low, rng.gauss(centre, spread * 0.35))))
                if item.id in reversed_items:
                    value = low + high - value
                result.append(check_answer(instrument, item.id, value))
            elif item.kind in ("single_choice", "yes_no"):
                result.append(check_answer(instrument, item.id, rng.choice(item.options()).id))
            elif item.kind == "multiple_choice":
                picks = rng.sample([c.id for c in item.options() if not c.other_text], k=rng.randint(1, 2))
                result.append(check_answer(instrument, item.id, picks))
            elif item.kind == "free_text" and rng.random() < 0.3:
                result.append(check_answer(instrument, item.id, rng.choice(FREE_TEXT)))
        return result


def _occasions(programme: Programme, start: date, exit_day: date | None, today: date):
    """(occasion id, day, fraction of the way through) for occasions that have passed."""
    end = exit_day or today
    total = max((end - start).days, 1)
    for occasion in programme.occasions:
        if not occasion.instruments or occasion.records_status:
            continue  # a follow-up: its status is recorded by the coach or its own survey (_path)
        if occasion.anchor == "exit":
            day = exit_day + timedelta(days=occasion.offset_months * 30) if exit_day else None
            if day and day <= today:
                yield occasion.id, day, 1.0
            continue
        if occasion.anchor == "midpoint":
            day = start + timedelta(days=round(programme.midpoint_months * 30.44))
            if day <= end - timedelta(days=14) and day <= today:
                yield occasion.id, day, (day - start).days / total
            continue
        months = occasion.offset_months
        while True:
            day = add_months(start, months)
            if day > end - timedelta(days=14) and months > 0 or day > today:
                break
            yield occasion.id, day, (day - start).days / total
            if not occasion.repeat_months:
                break
            months += occasion.repeat_months
            if programme.max_duration_months and months >= programme.max_duration_months:
                break


def _answered_session(db, instrument, participant_id, programme_id, occasion, day, created_by, answers,
                      visit: str | None = None, group: str | None = None) -> None:
    at = _stamp(day)
    session_id = db["survey_sessions"].insert({
        "visit": visit or f"demo-{participant_id}-{occasion}-{day.isoformat()}-{instrument.id}",
        "position": 0, "participant_id": participant_id,
        "programme_id": programme_id, "occasion": occasion, "instrument_id": instrument.id,
        "instrument_version": instrument.version, "respondent_group": group or instrument.respondent_group,
        "language": "sv", "status": "completed", "code_hash": None, "expires_at": None,
        "created_by": created_by, "created_at": at, "started_at": at, "completed_at": at,
    }).last_pk
    store_answers(db, session_id, instrument, answers, at)


# How many each group's rounds invite, and the share who answer, as an administrator meets them:
# (invited, (lowest, highest share answering)). Some answer badly: seed 001 had 18 of 42
# stakeholders and 4 of 6 employers, seed 000 about half.
ROUND_GROUPS = {
    "insatspersonal": (12, (0.55, 0.9)),
    "styrelse": (9, (0.3, 0.75)),
    "chefer": (24, (0.3, 0.6)),
    "remittenter": (42, (0.35, 0.5)),
    "arbetsgivare": (6, (0.5, 0.8)),
}


def _rounds(db, catalog, today, rng, admin_id) -> None:
    """Every round the förbund and the programmes declare, made in its month every year since the
    demo began, with its declared id, answered with its codes and closed, through the same
    functions as the administrator's page and the respondents' tablets, at the time they happened.
    This month's rounds are still open: the administrator sees them running."""
    for owner in [None] + [p.id for p in catalog.latest_programmes()]:
        for declared in catalog.declared_rounds(owner):
            invited, (low, high) = ROUND_GROUPS[declared.group]
            for year in range(FIRST_START.year, today.year + 1):
                opened = date(year, declared.month, 1)
                if opened >= today:
                    continue
                closes = month_end(opened)
                with clock(_moment(opened, 9)):
                    round_, codes = create_round(db, catalog, group=declared.group,
                                                 instruments=list(declared.instruments), invited=invited,
                                                 closes_on=closes.isoformat(), programme_id=owner,
                                                 declared=declared.id, created_by=admin_id, today=opened)
                _answer_round(db, catalog, codes[:round(invited * rng.uniform(low, high))], opened,
                              min(closes, today - timedelta(days=1)), rng, 0.8 + 0.1 * (year - FIRST_START.year))
                if closes < today:
                    with clock(_moment(closes + timedelta(days=1), 0)):
                        close_due_rounds(db)


def _answer_round(db, catalog, codes, opened, last_answer, rng, fraction) -> None:
    """Each code typed on the front page on some day of the round, every part answered and sent in."""
    for n, code in enumerate(codes):
        day = opened + timedelta(days=rng.randint(0, max((last_answer - opened).days, 0)))
        person = _Person(rng, None, "annat")
        person.level -= 0.3  # about half agree: staff, managers and employers are not all content
        with clock(_moment(day, 8 + n % 9)):
            visit = visit_for_code(db, code)
            while (part := current(db, catalog, visit.visit)) is not None:
                asked = {q.id for q in part.questions}
                for answer in person.answers(part.instrument, fraction):
                    if answer.item_id in asked:
                        give(db, part, answer.item_id, answer.value, status=answer.status,
                             other_text=answer.other_text)
                send_in(db, part)


# Who refers (seed 001: the four parties), and which events go with which exit outcome.
PARTIES = {"arbetsformedlingen": 0.35, "forsakringskassan": 0.2, "kommun": 0.3, "region": 0.12, "annan": 0.03}
WORK = ("arbete", "arbete_subvention", "arbete_utan_subvention", "behallit_arbete", "af_insats")
STUDY = ("studier", "studier_csn", "fullfoljt_studier", "arbetsmarknadsutbildning")


def _path(db, catalog, programme, rng, participant_id, gender, start, exit_day, outcome, months, today,
          coach_id) -> None:
    """The participant's referral, parties, events, extension and follow-ups, recorded through the
    same functions as the coach's page, on the days they happened."""
    referred = start - timedelta(days=rng.randint(7, 40))
    with clock(_moment(referred, 10)):
        record_referral(db, programme, referred_on=referred, party=_party(rng), gender=gender,
                        birth_year=None, decision="inskriven", participant_id=participant_id, recorded_by=coach_id)
    with clock(_moment(start, 11)):
        set_parties(db, programme, participant_id, sorted(rng.sample(list(PARTIES)[:4], k=rng.randint(1, 3))), start)
    events = {e.id for e in programme.events}
    end = exit_day or today
    happened = []
    if outcome in WORK or (outcome and rng.random() < 0.45):  # seed 002: many worked during it, then left
        happened.append("arbete_subvention" if "arbete_subvention" in events and rng.random() < 0.5 else "arbete")
    if outcome in STUDY or rng.random() < 0.1:
        happened.append("studier")
    if rng.random() < 0.4:
        happened.append(rng.choice(["praktik", "arbetstraning"]))
    if rng.random() < 0.7:
        happened.append("arbetsformaga_klarlagd")
    for event in happened:
        if event in events and end > start:
            day = start + timedelta(days=rng.randint(0, (end - start).days))
            with clock(_moment(day, 12)):
                record_event(db, programme, participant_id, event, day, None, coach_id)
    if programme.max_duration_months and months > programme.max_duration_months - 1 and rng.random() < 0.8:
        enrolment = db.execute("SELECT id FROM enrolments WHERE participant_id = ?", [participant_id]).fetchone()[0]
        day = add_months(start, programme.max_duration_months) - timedelta(days=20)
        with clock(_moment(min(day, today), 13)):
            record_extension(db, enrolment, 3, "Arbetsträning pågår; förlängning beslutad i styrgruppen",
                             min(day, today), coach_id)
    for occasion, due in _followups(programme, start, exit_day, today):
        if rng.random() < 0.2:
            continue  # not yet followed up: on the coach's list
        # in the programme (a year end) most of those who end in work or studies are in them already
        status = "arbete" if outcome in WORK else "studier" if outcome in STUDY else \
            rng.choice(["arbete", "studier", "varken", "varken"])
        with clock(_moment(due, 14)):
            if occasion.status_item and rng.random() < 0.6:  # by mail or SMS: the short survey answered
                _status_by_survey(db, catalog, programme, occasion, participant_id, status, coach_id, rng)
            else:  # the coach called, and records it
                record_followup(db, programme, participant_id, occasion.id, status, due, "coach", coach_id)


# What people live on at exit, by outcome, where the programme's exit field has such a choice.
INCOME_AFTER = {"lon": WORK, "studiemedel": STUDY}


def _registry(db, programme, rng, participant_id, start, exit_day, outcome, coach_id) -> None:
    """The programme's fields for national reporting, recorded as the coach's registration and
    exit forms record them (surveys.registry.record_values, checked against the declaration):
    mostly a known answer, now and then the explicit "unknown" (the last choice declared), a
    number within its range or, where not required, left out; at exit, wages after work and
    student finance after studies."""
    for when, day in (("start", start), ("exit", exit_day)):
        if day is None:
            continue
        values = {}
        for field in programme.registry_fields_at(when):
            if field.kind == "number":
                values[field.id] = None if not field.required and rng.random() < 0.1 else \
                    min(field.max, field.min + int(rng.expovariate(1 / 18)))
                continue
            choices = [c.id for c in field.choices]
            after = [c for c in choices if outcome in INCOME_AFTER.get(c, ())]
            values[field.id] = after[0] if when == "exit" and after and rng.random() < 0.8 else \
                choices[-1] if rng.random() < 0.05 else rng.choice(choices[:-1])
        with clock(_moment(day, 15)):
            record_values(db, programme, participant_id, values, when, coach_id, day)


def _followups(programme, start: date, exit_day: date | None, today: date):
    """(occasion, day) of each follow-up done by today, as the coach's to-do lists them: the day
    of a follow-up after exit, or a few days into January for a turn of the year."""
    for occasion, year, day in followup_dates(programme, start, exit_day, today):
        if not year and day <= today:
            yield occasion, day
        elif year and day + timedelta(days=5) <= today:
            yield occasion, day + timedelta(days=3 + year % 5)  # answered early in January


def _status_by_survey(db, catalog, programme, occasion, participant_id, status, coach_id, rng) -> None:
    """The coach sends the follow-up survey's code; the person answers it on their phone."""
    _, code = open_visit(db, catalog, programme_id=programme.id, occasion=occasion.id, participant_id=participant_id,
                         created_by=coach_id, again=True)
    visit = visit_for_code(db, code)
    while (part := current(db, catalog, visit.visit)) is not None:
        for item in part.questions:
            if item.id == occasion.status_item:
                give(db, part, item.id, status)
            elif item.kind == "yes_no":
                give(db, part, item.id, "ja" if rng.random() < 0.3 else "nej")
        send_in(db, part, programme)


def _party(rng) -> str:
    return rng.choices(list(PARTIES), list(PARTIES.values()))[0]


def _referrals_not_enrolled(db, programme, rng, enrolled: int, today, coach_id) -> None:
    """Referrals that did not lead to enrolment (seed 001: 156 referred, 109 enrolled), or wait."""
    span = (today - FIRST_START).days - 30
    for n in range(round(enrolled * 0.4)):
        day = FIRST_START + timedelta(days=int(span * (n + rng.random()) / max(round(enrolled * 0.4), 1)))
        waiting = day > today - timedelta(days=30)
        with clock(_moment(day, 9)):
            record_referral(db, programme, referred_on=day, party=_party(rng),
                            gender=rng.choices(["kvinna", "man"], [0.5, 0.5])[0], birth_year=rng.randint(1964, 2005),
                            decision="vantar" if waiting else "ej_inskriven",
                            reason=None if waiting else rng.choice(REASONS), recorded_by=coach_id)


REASONS = ["Behovet möts bättre i ordinarie verksamhet", "Tackade nej", "Inte i målgruppen", "Flyttat"]


def _moment(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), timezone.utc)


def _refresh_demo_codes(db, catalog: Catalog, today: date) -> dict[str, str]:
    """Make each fixed demo code open a fresh, unanswered visit for a demo participant."""
    from foundation.settings import setting

    codes = {}
    expires = (datetime.combine(today, time(12), timezone.utc) + timedelta(days=setting(db, "code_valid_days"))).isoformat()
    for code, (programme_id, occasion, instruments) in DEMO_CODES.items():
        code_hash = hash_code(db, code)
        live = db.execute(
            "SELECT 1 FROM survey_sessions WHERE code_hash = ? AND status = 'open' AND expires_at > ?",
            [code_hash, datetime.now(timezone.utc).isoformat()],
        ).fetchone()
        if live:
            codes[code] = programme_id
            continue
        participant = db.execute(
            """SELECT p.id FROM participants p JOIN enrolments e ON e.participant_id = p.id
               WHERE e.programme_id = ? AND e.exited_on IS NULL ORDER BY p.id LIMIT 1""", [programme_id]
        ).fetchone()
        if participant is None:
            continue
        visit = f"demo-code-{code}-{now()}"
        with transaction(db):
            db.execute("UPDATE survey_sessions SET code_hash = NULL WHERE code_hash = ?", [code_hash])
            for position, instrument_id in enumerate(instruments):
                instrument = catalog.instrument(instrument_id)
                db["survey_sessions"].insert({
                    "visit": visit, "position": position, "participant_id": participant[0],
                    "programme_id": programme_id, "occasion": occasion, "instrument_id": instrument.id,
                    "instrument_version": instrument.version, "respondent_group": instrument.respondent_group,
                    "language": "sv", "status": "open", "code_hash": code_hash, "expires_at": expires,
                    "created_by": None, "created_at": now(),
                })
        codes[code] = programme_id
    return codes


def _stamp(day: date) -> str:
    return datetime.combine(day, time(10), timezone.utc).isoformat()


__all__ = ["run_demo", "DEMO_USERS", "DEMO_CODES"]
