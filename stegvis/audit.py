"""The audit log: who did what, when, to which participant. Append-only (database triggers),
never personal data or passwords: participants appear by their row id."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from foundation.db import Schema, now, transaction
from foundation.texts import N_

# The log is append-only: triggers refuse every update and delete.
SCHEMA = Schema("stegvis.audit", {
    1: """
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        user_id INTEGER,
        username TEXT,
        action TEXT NOT NULL,
        participant_id INTEGER,
        detail TEXT
    );
    CREATE INDEX audit_log_participant ON audit_log(participant_id);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    """,
    # 4: views are logged once per user, participant and 10 minutes (stegvis/audit.py); this
    # index finds the last such entry without scanning years of log.
    4: """
    CREATE INDEX audit_log_recent ON audit_log(user_id, action, at);
    """,
})


VIEW_ONCE_PER = timedelta(minutes=10)

# Every action written to the log, with its name in words (foundation/locale); a page shows and
# filters by these. An action not here is shown as written (tests/test_admin_actions.py checks
# that every action the code logs has a name).
ACTIONS = {
    "access_denied": N_("audit.action.access_denied"), "account_locked": N_("audit.action.account_locked"),
    "add_user": N_("audit.action.add_user"), "backup": N_("audit.action.backup"),
    "close_round": N_("audit.action.close_round"), "coaches_see_programme": N_("audit.action.coaches_see_programme"),
    "code_guessing_paused": N_("audit.action.code_guessing_paused"), "create_round": N_("audit.action.create_round"),
    "decide_referral": N_("audit.action.decide_referral"), "disable_user": N_("audit.action.disable_user"),
    "enable_user": N_("audit.action.enable_user"), "erase": N_("audit.action.erase"),
    "erase_copies_remain": N_("audit.action.erase_copies_remain"), "export": N_("audit.action.export"),
    "export_participant": N_("audit.action.export_participant"), "import": N_("audit.action.import"),
    "install_textpack": N_("audit.action.install_textpack"), "login": N_("audit.action.login"),
    "login_failed": N_("audit.action.login_failed"), "login_refused_disabled": N_("audit.action.login_refused_disabled"),
    "login_refused_locked": N_("audit.action.login_refused_locked"), "logout": N_("audit.action.logout"),
    "link_sso": N_("audit.action.link_sso"), "login_sso_unmapped": N_("audit.action.login_sso_unmapped"),
    "undo_exit": N_("audit.action.undo_exit"), "unlink_sso": N_("audit.action.unlink_sso"),
    "open_survey": N_("audit.action.open_survey"), "record_background": N_("audit.action.record_background"),
    "record_event": N_("audit.action.record_event"),
    "record_exit": N_("audit.action.record_exit"), "record_extension": N_("audit.action.record_extension"),
    "record_followup": N_("audit.action.record_followup"), "record_permission": N_("audit.action.record_permission"),
    "record_referral": N_("audit.action.record_referral"),
    "register_participant": N_("audit.action.register_participant"), "reset_password": N_("audit.action.reset_password"),
    "round_codes": N_("audit.action.round_codes"), "round_invite": N_("audit.action.round_invite"),
    "round_remind": N_("audit.action.round_remind"), "round_slips": N_("audit.action.round_slips"),
    "session_ended_account_changed": N_("audit.action.session_ended_account_changed"),
    "session_expired": N_("audit.action.session_expired"), "set_parties": N_("audit.action.set_parties"),
    "set_user_programmes": N_("audit.action.set_user_programmes"), "share_results": N_("audit.action.share_results"),
    "unlock_user": N_("audit.action.unlock_user"), "unshare_results": N_("audit.action.unshare_results"),
    "view_answers": N_("audit.action.view_answers"), "view_board_report": N_("audit.action.view_board_report"),
    "view_caseload_scores": N_("audit.action.view_caseload_scores"),
    "view_participant": N_("audit.action.view_participant"),
    "view_round_free_text": N_("audit.action.view_round_free_text"),
    "withdraw_consent": N_("audit.action.withdraw_consent"),
}


def log(db, user, action: str, participant_id: int | None = None, detail: str | None = None, *,
        once_per: timedelta | None = None) -> None:
    """Append one entry. With `once_per` (for views: pages rerun on every click), nothing is
    added when the same user did the same to the same participant within that time."""
    at = now()
    user_id = getattr(user, "id", None)
    with transaction(db):
        if once_per is not None:
            since = (datetime.fromisoformat(at) - once_per).isoformat()
            if db.execute("""SELECT 1 FROM audit_log WHERE user_id IS ? AND action = ? AND at > ?
                             AND participant_id IS ? AND detail IS ? LIMIT 1""",
                          [user_id, action, since, participant_id, detail]).fetchone():
                return
        db["audit_log"].insert({
            "at": at, "user_id": user_id, "username": getattr(user, "username", user),
            "action": action, "participant_id": participant_id, "detail": detail,
        })


def read_log(db, *, participant_id: int | None = None, action: str | None = None, actions=None,
             limit: int = 200, with_codes: bool = False) -> pd.DataFrame:
    """The newest entries first, filtered by participant and by one `action` or any of `actions`.
    `with_codes` adds each participant's code (`code`; None once the person is erased), for a
    reader who may see codes: the log itself holds only the row id."""
    where, params = [], []
    if participant_id is not None:
        where.append("l.participant_id = ?")
        params.append(participant_id)
    if action:
        where.append("l.action = ?")
        params.append(action)
    if actions:
        actions = list(actions)
        where.append(f"l.action IN ({', '.join('?' * len(actions))})")
        params.extend(actions)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    code = ", p.code" if with_codes else ""
    join = "LEFT JOIN participants p ON p.id = l.participant_id" if with_codes else ""
    return pd.read_sql_query(
        f"SELECT l.id, l.at, l.username, l.action, l.participant_id{code}, l.detail FROM audit_log l {join} "
        f"{clause} ORDER BY l.id DESC LIMIT ?", db.conn, params=[*params, limit])
