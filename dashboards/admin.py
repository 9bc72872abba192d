"""The administrator's page: users, the audit log, erasure and subject access, retention,
licences for KASAM and NNS, imports, and the definitions in use. Every action goes through the
data-access layer."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboards.auth import access
from dashboards.common import plain
from foundation.errors import StegvisError
from foundation.texts import N_, t

ROLES = {"coach": N_("admin.role.coach"), "board": N_("admin.role.board"), "admin": N_("admin.role.admin")}
REASONS = {"request": N_("admin.erase.request"), "withdrawal": N_("admin.erase.withdrawal")}
KINDS = {"instrument": N_("admin.definitions.instrument"), "programme": N_("admin.definitions.programme")}
ORIGINS = {"shipped": N_("admin.definitions.shipped"), "folder": N_("admin.definitions.folder")}
IMPORTS = {"participants": N_("admin.import.participants"), "exits": N_("admin.import.exits"),
           "national": N_("admin.import.national")}


def page() -> None:
    api = access()
    st.title(t("admin.title"))
    users, log_tab, people, licences, imports, definitions = st.tabs(
        [t("admin.tab.users"), t("admin.tab.log"), t("admin.tab.people"), t("admin.tab.licences"),
         t("admin.tab.import"), t("admin.tab.definitions")])
    with users:
        st.dataframe(pd.DataFrame(api.users()), hide_index=True, width="stretch")
        with st.form("add_user"):
            st.subheader(t("admin.add_user"), anchor=False)
            username = st.text_input(t("admin.username"))
            name = st.text_input(t("admin.display_name"))
            role = st.selectbox(t("admin.role"), list(ROLES), format_func=lambda r: t(ROLES[r]))
            coach_of = st.multiselect(t("admin.coach_of"), [p.id for p in api.catalog.latest_programmes()],
                                      format_func=lambda p: api.catalog.programme(p).name.sv,
                                      placeholder=t("common.choose_several"))
            password = st.text_input(t("admin.password"), type="password")
            if st.form_submit_button(t("admin.add")):
                try:
                    api.add_user(username, password, role, name or None, coach_of)
                    st.success(t("admin.added", user=plain(username)))
                except StegvisError as exc:
                    st.error(plain(exc.say()))
        target = st.selectbox(t("admin.disable_user"), [""] + [u["username"] for u in api.users() if not u["disabled"]])
        if target and st.button(t("admin.disable", user=target)):
            api.disable_user(target)
            st.rerun()
    with log_tab:
        action = st.text_input(t("admin.log_filter"))
        st.dataframe(api.audit_log(action=action or None, limit=500), hide_index=True, width="stretch")
    with people:
        code = st.text_input(t("admin.code"), key="admin_code")
        if code:
            try:
                participant_id = api.find_participant(code)
            except StegvisError as exc:
                st.error(plain(exc.say()))  # it quotes the typed code
            else:
                # A callable: the export is built, and logged, when the file is downloaded; the page
                # reruns on every keystroke and click, and a log entry per rerun would say it was
                # handed out when it was not.
                st.download_button(t("admin.subject_access"),
                                   _subject_access_file(api, participant_id),
                                   file_name=f"registerutdrag-{code.strip()}.json", mime="application/json",
                                   on_click="ignore")
                st.warning(t("admin.erase.warning"))
                confirm = st.text_input(t("admin.erase.confirm"), key="erase_confirm")
                reason = st.radio(t("admin.erase.reason"), list(REASONS), horizontal=True,
                                  format_func=lambda r: t(REASONS[r]))
                if st.button(t("admin.erase.button"), type="primary", disabled=confirm.strip() != code.strip()):
                    result = api.erase_participant(participant_id, reason)
                    st.success(t("admin.erase.done", counts=", ".join(f"{n} {table}" for table, n in result.counts.items())))
                    _copies_warning(result)
        st.subheader(t("admin.purge.title"), anchor=False)
        due = api.purge(dry_run=True)
        st.write(t("admin.purge.due", n=len(due)))
        if due:
            st.dataframe(pd.DataFrame(due), hide_index=True)
            if st.button(t("admin.purge.button")):
                api.purge(dry_run=False)
                st.rerun()
    with licences:
        st.write(t("admin.licences"))
        st.dataframe(pd.DataFrame(api.licences()), hide_index=True, width="stretch")
    with imports:
        _imports(api)
    with definitions:
        _definitions(api)


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
    upload = st.file_uploader(t("admin.import.file"), type=["csv", "xlsx"], key="import_file")
    if upload and st.button(t("admin.import.button"), type="primary", key="import_go"):
        received = Upload(upload.name, upload.getvalue())
        bar = st.progress(0.0, text=t("admin.import.checking"))
        try:
            result = api.import_file(kind, received,
                                     lambda row, total: bar.progress(min(row / max(total, 1), 1.0),
                                                                     text=t("admin.import.row", row=row, total=total)))
        except StegvisError as exc:
            st.error(t("admin.import.nothing"))
            st.code(str(exc), language=None)
        else:
            bar.progress(1.0, text=t("admin.import.done"))
            if kind == "national":
                st.success(t("admin.import.national_result", figures=result.figures,
                             years=", ".join(str(y) for y in result.years)))
                for year, before in sorted(result.replaced.items()):
                    st.info(t("admin.import.national_replaced", count=before, year=year))
            else:
                st.success(t("admin.import.result", added=result.added, unchanged=result.unchanged))


def _allow_uploads_here() -> None:
    """The server takes uploads only from a session that has drawn this page (stegvis/web.py):
    anyone can open a Streamlit session, only an administrator gets here."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from stegvis.web import allow_uploads

    context = get_script_run_ctx()
    if context is not None:
        allow_uploads(context.session_id)
