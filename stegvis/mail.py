"""Invitations and reminders for survey rounds by e-mail, through the organisation's mail
server (`stegvis config smtp_host …`; the password only from $STEGVIS_SMTP_PASSWORD).
An address file is checked whole before anything is sent; addresses are kept only to send
reminders and are deleted when the round closes (surveys/rounds.py)."""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage

from foundation.db import now, transaction
from foundation.errors import StegvisError
from foundation.settings import setting
from foundation.texts import DEFAULT, t
from stegvis.qr import public_address, survey_url
from surveys.rounds import Round, get_round, unused_codes
from surveys.sessions import hash_code

PASSWORD_ENV = "STEGVIS_SMTP_PASSWORD"
# A plain address: no display name, no comments, no spaces or line breaks (header injection).
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")


@dataclass(frozen=True)
class MailServer:
    host: str
    port: int
    starttls: bool
    user: str
    sender: str
    password: str


def mail_server(db) -> MailServer:
    """The configured server; StegvisError saying what to set when it is not."""
    host, sender = setting(db, "smtp_host"), setting(db, "smtp_sender")
    if not host or not sender:
        raise StegvisError("no mail server is configured, so nothing was sent: set it with "
                           "`stegvis config smtp_host HOST` and `stegvis config smtp_sender ADDRESS` "
                           f"(and smtp_port, smtp_starttls, smtp_user; the password in ${PASSWORD_ENV})")
    user = setting(db, "smtp_user")
    password = os.environ.get(PASSWORD_ENV, "")
    if user and not password:
        raise StegvisError(f"smtp_user is set but ${PASSWORD_ENV} is empty, so nothing was sent")
    return MailServer(host, setting(db, "smtp_port"), bool(setting(db, "smtp_starttls")), user, sender, password)


def read_addresses(text: str, source: str = "the address file") -> list[str]:
    """One address per line (blank lines and lines starting with # are skipped). Every bad or
    repeated line is listed in one error, and then nothing is sent."""
    addresses, problems, seen = [], [], {}
    for number, line in enumerate(text.splitlines(), start=1):
        address = line.strip()
        if not address or address.startswith("#"):
            continue
        if not ADDRESS.fullmatch(address) or len(address) > 254:
            problems.append(f"line {number}: {address[:80]!r} is not an e-mail address")
        elif address.lower() in seen:
            problems.append(f"line {number}: {address} is already on line {seen[address.lower()]}")
        else:
            seen[address.lower()] = number
            addresses.append(address)
    if problems:
        raise StegvisError(f"{source}: " + "; ".join(problems) + ". Nothing was sent.")
    if not addresses:
        raise StegvisError(f"{source} holds no addresses. Nothing was sent.")
    return addresses


def _message(server: MailServer, to: str, round_: Round, title: str, code: str, reminder: bool,
             lang: str = DEFAULT) -> EmailMessage:
    """The invitation (or reminder) in the catalogue's words; the closing date in the locale's form."""
    from babel.dates import format_date

    from stegvis.reports import LOCALES

    closes = format_date(date.fromisoformat(round_.closes_on), "d MMMM y", locale=LOCALES[lang])
    message = EmailMessage()
    message["From"], message["To"] = server.sender, to
    subject = t("mail.subject", lang, title=title)
    message["Subject"] = t("mail.reminder_subject", lang, subject=subject) if reminder else subject
    body = t("mail.body", lang, title=title, link=survey_url(code), address=public_address(), code=code,
             closes=closes)
    message.set_content((t("mail.reminder", lang) + "\n\n" if reminder else "") + body + "\n")
    return message


def _send(server: MailServer, messages: list[EmailMessage]) -> None:
    context = ssl.create_default_context()
    try:
        if server.port == 465:
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=30, context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=30)
        with client:
            if server.starttls and server.port != 465:
                client.starttls(context=context)
            if server.user:
                client.login(server.user, server.password)
            for message in messages:
                client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise StegvisError(f"the mail server {server.host}:{server.port} refused or failed: {exc}") from None


def invite(db, round_id: int, addresses: list[str], title: str, today: date | None = None) -> int:
    """Mail each new address one unused code of the round; an address already invited is left
    alone. Refused (nothing sent) when the round is closed or has too few unused codes."""
    round_ = get_round(db, round_id)
    if not round_.is_open(today or date.today()):
        raise StegvisError(f"round {round_id} is closed; nothing was sent")
    server = mail_server(db)
    known = {r[0].lower() for r in db.execute("SELECT email FROM round_invitations WHERE round_id = ?", [round_id])}
    mailed = {r[0] for r in db.execute("SELECT code_hash FROM round_invitations WHERE round_id = ?", [round_id])}
    new = [a for a in addresses if a.lower() not in known]
    free = [code for _, code in unused_codes(db, round_id) if hash_code(db, code) not in mailed]
    if len(new) > len(free):
        raise StegvisError(f"round {round_id} has {len(free)} codes not yet handed out or mailed, and the file "
                           f"has {len(new)} new addresses; make a round with more invited. Nothing was sent.")
    pairs = list(zip(new, free))
    _send(server, [_message(server, address, round_, title, code, reminder=False) for address, code in pairs])
    with transaction(db):
        db["round_invitations"].insert_all([{"round_id": round_id, "email": address,
                                             "code_hash": hash_code(db, code), "sent_at": now()}
                                            for address, code in pairs])
    return len(pairs)


def remind(db, round_id: int, title: str, today: date | None = None) -> int:
    """Mail again only the addresses whose code is still unused (the code itself says nothing
    about whether anyone answered: a used code's row is gone)."""
    round_ = get_round(db, round_id)
    if not round_.is_open(today or date.today()):
        raise StegvisError(f"round {round_id} is closed; nothing was sent")
    unused = {hash_code(db, code): code for _, code in unused_codes(db, round_id)}
    due = [(email, unused[code_hash]) for email, code_hash in db.execute(
        "SELECT email, code_hash FROM round_invitations WHERE round_id = ? ORDER BY rowid", [round_id])
        if code_hash in unused]
    if not due:
        return 0
    server = mail_server(db)
    _send(server, [_message(server, address, round_, title, code, reminder=True) for address, code in due])
    with transaction(db):
        db.conn.executemany("UPDATE round_invitations SET reminded_at = ? WHERE round_id = ? AND email = ?",
                       [(now(), round_id, address) for address, _ in due])
    return len(due)
