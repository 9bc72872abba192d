"""The administrator's page: users, the audit log, erasure and subject access, retention,
licences for KASAM and NNS, imports, and the definitions in use. Every action goes through the
data-access layer."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pandas as pd
import streamlit as st

from dashboards.auth import access
from dashboards.common import plain
from foundation.errors import StegvisError
from foundation.texts import N_, local_time, t
from stegvis.audit import ACTIONS
from stegvis.imports import ImportRefused
from stegvis.privacy import erased_words, subject_access_pdf
from stegvis.reports import decimal

ROLES = {"coach": N_("admin.role.coach"), "board": N_("admin.role.board"), "admin": N_("admin.role.admin")}
REASONS = {"request": N_("admin.erase.request"), "withdrawal": N_("admin.erase.withdrawal")}
KINDS = {"instrument": N_("admin.definitions.instrument"), "programme": N_("admin.definitions.programme")}
ORIGINS = {"shipped": N_("admin.definitions.shipped"), "folder": N_("admin.definitions.folder")}
UPLOAD_MB = 5  # the server refuses larger uploads (.streamlit/config.toml server.maxUploadSize)
ROWS_PER_MB = 8_000  # participants per MB of CSV with every column (benchmarks/import_rows.py: 117 bytes a row)
IMPORTS = {"participants": N_("admin.import.participants"), "exits": N_("admin.import.exits"),
           "national": N_("admin.import.national")}


def page() -> None:
    api = access()
    st.title(t("admin.title"))
    st.html(_uploader_css())
    users, log_tab, people, licences, imports, definitions = st.tabs(
        [t("admin.tab.users"), t("admin.tab.log"), t("admin.tab.people"), t("admin.tab.licences"),
         t("admin.tab.import"), t("admin.tab.definitions")])
    with users:
        _users(api)
    with log_tab:
        _log(api)
    with people:
        _people(api)
    with licences:
        _licences(api)
    with imports:
        _imports(api)
    with definitions:
        _definitions(api)


def _programme_name(api, programme_id: str) -> str:
    try:
        return api.catalog.programme(programme_id).name.sv
    except StegvisError:
        return programme_id


def _locked(user: dict) -> bool:
    return bool(user["locked_until"]) and user["locked_until"] > datetime.now(timezone.utc).isoformat()


def _state(user: dict) -> str:
    if user["disabled"]:
        return t("admin.user.disabled")
    if _locked(user):
        return t("admin.user.locked_until", time=local_time(user["locked_until"]))
    return t("admin.user.active")


def _users(api) -> None:
    """Every account in words, one account's programmes, access and password changed, a new
    account, and whether each programme's coaches see all its participants."""
    accounts = api.users()
    st.dataframe(pd.DataFrame([{
        t("admin.user.username"): u["username"], t("admin.user.name"): u["display_name"] or "",
        t("admin.role"): t(ROLES[u["role"]]) if u["role"] in ROLES else u["role"],
        t("admin.coach_of"): ", ".join(_programme_name(api, p) for p in u["coach_of"]),
        t("admin.user.state"): _state(u), t("admin.user.last_login"): local_time(u["last_login_at"]) or
        t("admin.user.never")} for u in accounts]), hide_index=True, width="stretch",
        column_config={t("admin.user.username"): st.column_config.TextColumn(width=85),
                       t("admin.user.name"): st.column_config.TextColumn(width=150),
                       t("admin.coach_of"): st.column_config.TextColumn(width=150),
                       t("admin.role"): st.column_config.TextColumn(width=95),
                       t("admin.user.state"): st.column_config.TextColumn(width=70),
                       t("admin.user.last_login"): st.column_config.TextColumn(width=125)})
    st.subheader(t("admin.user.change"), anchor=False)
    by_name = {u["username"]: u for u in accounts}
    chosen = st.selectbox(t("admin.user.which"), list(by_name), index=None, key="admin_user",
                          placeholder=t("admin.user.choose"),
                          format_func=lambda u: f"{u} ({by_name[u]['display_name']})" if by_name[u]["display_name"]
                          else u)
    if chosen:
        _change_user(api, by_name[chosen])
    with st.form("add_user"):
        st.subheader(t("admin.add_user"), anchor=False)
        username = st.text_input(t("admin.username"))
        name = st.text_input(t("admin.display_name"))
        role = st.selectbox(t("admin.role"), list(ROLES), format_func=lambda r: t(ROLES[r]))
        coach_of = st.multiselect(t("admin.coach_of"), [p.id for p in api.catalog.latest_programmes()],
                                  format_func=lambda p: _programme_name(api, p),
                                  placeholder=t("common.choose_several"))
        password = st.text_input(t("admin.password"), type="password", help=t("admin.password_help"))
        if st.form_submit_button(t("admin.add")):
            try:
                api.add_user(username, password, role, name or None, coach_of)
                st.success(t("admin.added", user=plain(username)))
            except StegvisError as exc:
                st.error(plain(exc.say()))
    _coaches_see(api)


def _change_user(api, user: dict) -> None:
    """The four things an administrator does to an account; each is logged by the access layer."""
    username = user["username"]
    done = st.session_state.pop("admin_user_done", None)
    if done:
        st.success(done)
    if user["role"] == "coach":
        with st.form("user_programmes"):
            picked = st.multiselect(t("admin.coach_of"), [p.id for p in api.catalog.latest_programmes()],
                                    default=[p for p in user["coach_of"] if p in
                                             {q.id for q in api.catalog.latest_programmes()}],
                                    format_func=lambda p: _programme_name(api, p),
                                    placeholder=t("common.choose_several"), key="user_programmes_pick")
            if st.form_submit_button(t("admin.user.save_programmes")):
                _act(lambda: api.set_user_programmes(username, picked),
                     t("admin.user.programmes_saved", user=plain(username)))
    left, right = st.columns(2)
    with left:
        if user["disabled"]:
            if st.button(t("admin.user.enable", user=plain(username)), key="user_enable"):
                _act(lambda: api.enable_user(username), t("admin.user.enabled", user=plain(username)))
        elif st.button(t("admin.disable", user=plain(username)), key="user_disable"):
            _act(lambda: api.disable_user(username), t("admin.user.disabled_done", user=plain(username)))
    with right:
        if _locked(user) and st.button(t("admin.user.unlock", user=plain(username)), key="user_unlock"):
            _act(lambda: api.unlock_user(username), t("admin.user.unlocked", user=plain(username)))
    with st.form("reset_password"):
        st.markdown("**" + t("admin.user.reset_title", user=plain(username)) + "**")
        how = st.radio(t("admin.user.reset_how"), ["generate", "give"], horizontal=True, key="reset_how",
                       format_func=lambda h: t("admin.user.reset_generate") if h == "generate"
                       else t("admin.user.reset_give"))
        given = st.text_input(t("admin.user.reset_password"), type="password", key="reset_given",
                              help=t("admin.password_help"))
        if st.form_submit_button(t("admin.user.reset_button")):
            try:
                new = api.reset_password(username, given if how == "give" else None)
            except StegvisError as exc:
                st.error(plain(exc.say()))
            else:
                if how == "generate":
                    st.success(t("admin.user.reset_generated", user=plain(username)))
                    st.code(new, language=None)  # shown once: it is not stored anywhere readable
                else:
                    st.success(t("admin.user.reset_done", user=plain(username)))


def _act(action, said: str) -> None:
    """Run an account change; say what happened after the page has redrawn with the new state."""
    try:
        action()
    except StegvisError as exc:
        st.error(plain(exc.say()))
    else:
        st.session_state["admin_user_done"] = said
        st.rerun()


def _coaches_see(api) -> None:
    """Per programme: whether its coaches see all its participants or only their own."""
    st.subheader(t("admin.coaches_see.title"), anchor=False)
    st.caption(t("admin.coaches_see.help"))
    settings = api.programme_settings()
    with st.form("coaches_see"):
        wanted = {s["programme"]: st.checkbox(s["name"], value=s["coaches_see_programme"],
                                              key=f"coaches_see_{s['programme']}") for s in settings}
        if st.form_submit_button(t("admin.coaches_see.save")):
            changed = [s for s in settings if wanted[s["programme"]] != s["coaches_see_programme"]]
            for setting in changed:
                api.set_coaches_see_programme(setting["programme"], wanted[setting["programme"]])
            st.success(t("admin.coaches_see.saved", n=len(changed)))


def _action_name(action: str) -> str:
    return t(ACTIONS[action]) if action in ACTIONS else action


def _log(api) -> None:
    """The audit log with codes, Swedish time and actions in words, filtered by action."""
    chosen = st.multiselect(t("admin.log_filter"), sorted(ACTIONS, key=_action_name), key="log_actions",
                            format_func=_action_name, placeholder=t("admin.log_all"))
    log = api.audit_log(actions=chosen or None, limit=500)
    erased = t("admin.log.erased")
    st.dataframe(pd.DataFrame({
        t("admin.log.at"): [local_time(at, seconds=True) for at in log["at"]],
        t("admin.log.user"): log["username"].fillna(""),
        t("admin.log.action"): [_action_name(a) for a in log["action"]],
        t("admin.log.participant"): [code if isinstance(code, str) else erased if pid == pid and pid is not None
                                     else "" for pid, code in zip(log["participant_id"], log["code"])],
        t("admin.log.detail"): log["detail"].fillna("")}), hide_index=True, width="stretch")


def _people(api) -> None:
    code = st.text_input(t("admin.code"), key="admin_code")
    if code:
        try:
            participant_id = api.find_participant(code)
        except StegvisError as exc:
            st.error(plain(exc.say()))  # it quotes the typed code
        else:
            _person(api, participant_id, code.strip())
    st.subheader(t("admin.purge.title"), anchor=False)
    due = api.purge(dry_run=True)
    st.write(t("admin.purge.due", n=len(due)))
    if due:
        st.dataframe(pd.DataFrame([{t("admin.purge.code"): d["code"], t("admin.purge.last_exit"): d["last_exit"]}
                                   for d in due]), hide_index=True)
        if st.button(t("admin.purge.button")):
            api.purge(dry_run=False)
            st.rerun()


def _person(api, participant_id: int, code: str) -> None:
    """One person: the registerutdrag (JSON and a readable PDF), consents to withdraw, erasure."""
    st.markdown("**" + t("admin.subject_access_title") + "**")
    st.caption(t("admin.subject_access_help"))
    json_column, pdf_column = st.columns(2)
    # Callables: the export is built, and logged, when the file is downloaded; the page reruns on
    # every keystroke and click, and a log entry per rerun would say it was handed out when it was not.
    with json_column:
        st.download_button(t("admin.subject_access"), _subject_access_file(api, participant_id),
                           file_name=f"registerutdrag-{code}.json", mime="application/json",
                           on_click="ignore", key="subject_json")
    with pdf_column:
        st.download_button(t("admin.subject_access_pdf"), _subject_access_pdf(api, participant_id),
                           file_name=f"registerutdrag-{code}.pdf", mime="application/pdf",
                           on_click="ignore", key="subject_pdf")
    _consents(api, participant_id)
    st.markdown("**" + t("admin.erase.title") + "**")
    st.warning(t("admin.erase.warning"))
    confirm = st.text_input(t("admin.erase.confirm"), key="erase_confirm")
    reason = st.radio(t("admin.erase.reason"), list(REASONS), horizontal=True,
                      format_func=lambda r: t(REASONS[r]))
    if st.button(t("admin.erase.button"), type="primary", disabled=confirm.strip() != code):
        result = api.erase_participant(participant_id, reason)
        st.success(t("admin.erase.done", counts=erased_words(result.counts)))
        _copies_warning(result)


def _consents(api, participant_id: int) -> None:
    """The person's consents; one still in force can be withdrawn (open survey codes stop working)."""
    st.markdown("**" + t("admin.consent.title") + "**")
    consents = api.participant(participant_id)["consents"]
    if not consents:
        st.write(t("admin.consent.none"))
        return
    st.dataframe(pd.DataFrame([{t("admin.consent.programme"): _programme_name(api, c["programme_id"]),
                                t("admin.consent.given"): c["given_on"],
                                t("admin.consent.withdrawn"): c["withdrawn_on"] or "",
                                t("admin.consent.version"): c["text_version"], t("admin.consent.scope"): c["scope"]}
                               for c in consents]), hide_index=True, width="stretch")
    active = [c["programme_id"] for c in consents if not c["withdrawn_on"]]
    if not active:
        return
    with st.form("withdraw_consent"):
        programme = st.selectbox(t("admin.consent.which"), active, format_func=lambda p: _programme_name(api, p))
        sure = st.checkbox(t("admin.consent.sure"))
        if st.form_submit_button(t("admin.consent.withdraw")):
            if not sure:
                st.error(t("admin.consent.not_sure"))
            else:
                api.withdraw_consent(participant_id, programme)
                st.success(t("admin.consent.withdrawn_done", programme=plain(_programme_name(api, programme))))


def _licences(api) -> None:
    """Licensed instruments: the permission recorded and the wording installed, both done here."""
    st.write(t("admin.licences"))
    rows = api.licences()
    title = lambda i: api.catalog.instrument(i).title.sv  # noqa: E731
    for row in rows:  # a few instruments with long references: text that wraps, not a table that cuts
        with st.container(border=True):
            st.markdown("**" + plain(title(row["instrument"])) + "**")
            for label, value in ((t("admin.licence.permission"), row["permission"] or t("admin.licence.missing")),
                                 (t("admin.licence.textpacks"), row["text packs"] or t("admin.licence.missing")),
                                 (t("admin.licence.owner"), row["owner"] or "–")):
                st.markdown(plain(label) + ": " + plain(value))
    with st.form("record_permission"):
        st.subheader(t("admin.licence.record_title"), anchor=False)
        instrument = st.selectbox(t("admin.licence.instrument"), [r["instrument"] for r in rows], format_func=title,
                                  index=None, placeholder=t("admin.licence.choose"))
        reference = st.text_input(t("admin.licence.reference"), help=t("admin.licence.reference_help"))
        if st.form_submit_button(t("admin.licence.record")):
            if instrument is None or not reference.strip():
                st.error(t("admin.licence.record_missing"))
            else:
                api.record_permission(instrument, reference)
                st.success(t("admin.licence.recorded", instrument=plain(title(instrument))))
    st.subheader(t("admin.textpack.title"), anchor=False)
    st.caption(t("admin.textpack.help"))
    _allow_uploads_here()
    pack = st.file_uploader(t("admin.textpack.file"), type=["yaml", "yml"], key="textpack_file",
                            max_upload_size=UPLOAD_MB)
    if pack and st.button(t("admin.textpack.install"), key="textpack_go"):
        from stegvis.files import Upload

        try:
            instrument, language = api.install_textpack(Upload(pack.name, pack.getvalue()))
        except StegvisError as exc:
            st.error(t("admin.textpack.nothing"))
            st.code(str(exc), language=None)
        else:
            st.success(t("admin.textpack.installed", instrument=plain(title(instrument)), language=language))


def _definitions(api) -> None:
    """Every published version and where it comes from; a förbund adds its own from the command line."""
    st.write(t("admin.definitions.help"))
    st.dataframe(pd.DataFrame([{t("admin.definitions.kind"): t(KINDS[d["kind"]]), t("admin.definitions.id"): d["id"],
                                t("admin.definitions.version"): d["version"], t("admin.definitions.name"): d["name"],
                                t("admin.definitions.published"): d["published_at"][:10],
                                t("admin.definitions.origin"): t(ORIGINS[d["origin"]]),
                                t("admin.definitions.file"): d["file"] or ""} for d in api.definitions()]),
                 hide_index=True, width="stretch")


def _subject_access_file(api, participant_id: int):
    def build() -> str:
        return json.dumps(api.export_participant(participant_id), ensure_ascii=False, indent=2)

    return build


def _subject_access_pdf(api, participant_id: int):
    def build() -> bytes:
        return subject_access_pdf(api.export_participant(participant_id), api.catalog)

    return build


def _uploader_css() -> str:
    """Streamlit's file uploader has no parameter for its own words ("Drag and drop file here",
    "Browse files", streamlit/streamlit#13500): they are replaced, in the catalogue's words, by CSS."""
    def quoted(text: str) -> str:
        return '"' + text.replace("\\", "").replace('"', "'").replace("<", "").replace(">", "") + '"'

    instructions, browse = quoted(t("admin.upload.instructions", mb=UPLOAD_MB)), quoted(t("admin.upload.browse"))
    return ("<style>"
            # the administrator's tables are wide: the page's margins give them room at 1024
            '[data-testid="stMainBlockContainer"] {padding-left: 1.5rem; padding-right: 1.5rem;}'
            '[data-testid="stFileUploaderDropzoneInstructions"] > div > span,'
            '[data-testid="stFileUploaderDropzoneInstructions"] > div > small {display: none;}'
            '[data-testid="stFileUploaderDropzoneInstructions"] > div::after {content: '
            + instructions + '; font-size: 0.875rem;}'
            # the browse button only: once a file is chosen, its remove (⊗) and add (+) buttons keep their icons
            '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"], '
            '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] * {font-size: 0 !important;}'
            '[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"]::after '
            '{content: ' + browse + '; font-size: 0.875rem !important;}'
            "</style>")


def _copies_warning(result) -> None:
    """Backups and exports made before an erasure still hold the person: say which."""
    if result.copies:
        st.warning(t("admin.copies.warning"))
        st.dataframe(pd.DataFrame([{t("admin.copies.when"): c["at"],
                                    t("admin.copies.what"): t("admin.copies.backup") if c["kind"] == "backup"
                                    else t("admin.copies.export"),
                                    t("admin.copies.detail"): c["detail"] or ""} for c in result.copies]),
                     hide_index=True, width="stretch")
    else:
        st.info(t("admin.copies.none"))
    if not result.wal_cleared:
        st.warning(t("admin.wal_not_cleared"))


def _imports(api) -> None:
    """Participants, exits and national figures from CSV or Excel: checked first, written all or
    nothing. The upload is read from memory; the name the browser sent is never used as a path."""
    from stegvis.files import Upload

    st.write(t("admin.import.help"))
    kind = st.radio(t("admin.import.what"), list(IMPORTS), horizontal=True, key="import_kind",
                    format_func=lambda k: t(IMPORTS[k]))
    _allow_uploads_here()
    upload = st.file_uploader(t("admin.import.file"), type=["csv", "xlsx"], key="import_file",
                              max_upload_size=UPLOAD_MB)
    if not upload:  # also when the file was too large: Streamlit then only marks it, in English on hover
        st.caption(t("admin.import.larger", mb=UPLOAD_MB, rows=decimal(UPLOAD_MB * ROWS_PER_MB, decimals=0)))
    if upload and st.button(t("admin.import.button"), type="primary", key="import_go"):
        received = Upload(upload.name, upload.getvalue())
        bar = st.progress(0.0, text=t("admin.import.checking"))
        try:
            result = api.import_file(kind, received,
                                     lambda row, total: bar.progress(min(row / max(total, 1), 1.0),
                                                                     text=t("admin.import.row", row=row, total=total)))
        except ImportRefused as refused:
            bar.empty()  # not left at the row the check had reached
            st.error(t("admin.import.nothing"))
            _show_problems(refused)
        except StegvisError as exc:
            bar.empty()
            st.error(t("admin.import.nothing"))
            st.code(exc.say(), language=None)
        else:
            bar.progress(1.0, text=t("admin.import.done"))
            if kind == "national":
                st.success(t("admin.import.national_result", figures=result.figures,
                             years=", ".join(str(y) for y in result.years)))
                for year, before in sorted(result.replaced.items()):
                    st.info(t("admin.import.national_replaced", count=before, year=year))
            else:
                st.success(t("admin.import.result", added=result.added, unchanged=result.unchanged))


SHOWN_PROBLEMS = 100


def _show_problems(refused: ImportRefused) -> None:
    """The first problems of a refused file, and all of them to download: a file wrong in every
    row (a date format, a column mixed up) has as many problems as rows, and a page listing a
    million lines would freeze the browser. Each is worded only when shown or downloaded."""
    if len(refused.problems) > SHOWN_PROBLEMS:  # said before the list, where the reader starts
        st.caption(t("admin.import.more", shown=SHOWN_PROBLEMS, total=len(refused.problems)))
        st.download_button(t("admin.import.all_problems"),  # made when clicked, not sent with every page
                           lambda: refused.say() + "\n",
                           file_name="importproblem.txt", mime="text/plain", key="import_problems", on_click="ignore")
    st.code("\n".join(m.say() for m in [refused.headline, *refused.problems[:SHOWN_PROBLEMS]]), language=None)


def _allow_uploads_here() -> None:
    """The server takes uploads only from a session that has drawn this page (stegvis/web.py):
    anyone can open a Streamlit session, only an administrator gets here."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from stegvis.web import allow_uploads

    context = get_script_run_ctx()
    if context is not None:
        allow_uploads(context.session_id)
