"""The administrator's page: users, the audit log, erasure and subject access, retention,
licences for KASAM and NNS. Every action goes through the data-access layer."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboards.auth import access
from dashboards.common import plain
from foundation.errors import StegvisError


def page() -> None:
    api = access()
    st.title("Administration")
    users, log_tab, people, licences, imports = st.tabs(
        ["Användare", "Granskningslogg", "Deltagares data", "Licenser", "Import"])
    with users:
        st.dataframe(pd.DataFrame(api.users()), hide_index=True, width="stretch")
        with st.form("add_user"):
            st.subheader("Lägg till användare", anchor=False)
            username = st.text_input("Användarnamn")
            name = st.text_input("Namn som visas")
            role = st.selectbox("Roll", ["coach", "board", "admin"],
                                format_func={"coach": "Coach", "board": "Styrelse", "admin": "Administratör"}.get)
            coach_of = st.multiselect("Coach i insatser", [p.id for p in api.catalog.latest_programmes()])
            password = st.text_input("Lösenord (minst 10 tecken)", type="password")
            if st.form_submit_button("Lägg till"):
                try:
                    api.add_user(username, password, role, name or None, coach_of)
                    st.success(f"{plain(username)} är tillagd.")
                except StegvisError as exc:
                    st.error(plain(str(exc)))
        target = st.selectbox("Stäng av användare", [""] + [u["username"] for u in api.users() if not u["disabled"]])
        if target and st.button(f"Stäng av {target}"):
            api.disable_user(target)
            st.rerun()
    with log_tab:
        action = st.text_input("Filtrera på händelse (t.ex. login_failed, view_participant, erase)")
        st.dataframe(api.audit_log(action=action or None, limit=500), hide_index=True, width="stretch")
    with people:
        code = st.text_input("Deltagarens kod", key="admin_code")
        if code:
            try:
                participant_id = api.find_participant(code)
            except StegvisError as exc:
                st.error(plain(str(exc)))  # it quotes the typed code
            else:
                # A callable: the export is built, and logged, when the file is downloaded; the page
                # reruns on every keystroke and click, and a log entry per rerun would say it was
                # handed out when it was not.
                st.download_button("Ladda ner allt om deltagaren (JSON, registerutdrag)",
                                   _subject_access_file(api, participant_id),
                                   file_name=f"registerutdrag-{code.strip()}.json", mime="application/json",
                                   on_click="ignore")
                st.warning("Radering tar bort deltagarens svar, enkäter, samtycken och personuppgifter. "
                           "Det går inte att ångra. Kvar blir bara en anteckning om att radering skett.")
                confirm = st.text_input("Skriv koden igen för att bekräfta radering", key="erase_confirm")
                reason = st.radio("Skäl", ["request", "withdrawal"], horizontal=True,
                                  format_func={"request": "Begäran om radering",
                                               "withdrawal": "Återkallat samtycke"}.get)
                if st.button("Radera deltagaren", type="primary", disabled=confirm.strip() != code.strip()):
                    result = api.erase_participant(participant_id, reason)
                    st.success("Raderat: " + ", ".join(f"{n} {t}" for t, n in result.counts.items()))
                    _copies_warning(result)
        st.subheader("Gallring", anchor=False)
        due = api.purge(dry_run=True)
        st.write(f"{len(due)} deltagare har passerat lagringstiden.")
        if due:
            st.dataframe(pd.DataFrame(due), hide_index=True)
            if st.button("Gallra nu"):
                api.purge(dry_run=False)
                st.rerun()
    with licences:
        st.write("KASAM och NNS-enkäterna får bara användas med tillstånd. Registrera tillståndet och "
                 "installera formuleringen med `stegvis permission record` och `stegvis textpack install`.")
        st.dataframe(pd.DataFrame(api.licences()), hide_index=True, width="stretch")
    with imports:
        _imports(api)


def _subject_access_file(api, participant_id: int):
    def build() -> str:
        return json.dumps(api.export_participant(participant_id), ensure_ascii=False, indent=2)

    return build


def _copies_warning(result) -> None:
    """Backups and exports made before an erasure still hold the person: say which."""
    if result.copies:
        st.warning("Säkerhetskopior och exporter gjorda före raderingen innehåller fortfarande personen. "
                   "Radera dem, eller låt dem gallras enligt rutinen.")
        st.dataframe(pd.DataFrame([{"När": c["at"], "Vad": {"backup": "Säkerhetskopia"}.get(c["kind"], "Export"),
                                    "Detaljer": c["detail"] or ""} for c in result.copies]),
                     hide_index=True, width="stretch")
    else:
        st.info("Inga säkerhetskopior eller exporter med personen finns i loggen. Kopior gjorda utanför "
                "Stegvis innehåller personen tills de raderas.")
    if not result.wal_cleared:
        st.warning("Databasens loggfil (-wal) kunde inte tömmas medan appen läste. Den töms när appen startas om.")


def _imports(api) -> None:
    """Participants and exits from CSV or Excel: checked first, written all or nothing. The
    upload is read from memory; the name the browser sent is never used as a path."""
    from stegvis.files import Upload

    st.write("Importera deltagare och avslut från kalkylark (CSV eller Excel). Alla rader kontrolleras "
             "först; är någon fel importeras ingenting och alla fel listas. Kolumner: se docs/exports.md.")
    kind = st.radio("Vad", ["Deltagare", "Avslut"], horizontal=True, key="import_kind")
    _allow_uploads_here()
    upload = st.file_uploader("Fil", type=["csv", "xlsx"], key="import_file")
    if upload and st.button("Importera", type="primary", key="import_go"):
        received = Upload(upload.name, upload.getvalue())
        bar = st.progress(0.0, text="Kontrollerar rader …")
        try:
            result = api.import_file("participants" if kind == "Deltagare" else "exits", received,
                                     lambda row, total: bar.progress(min(row / max(total, 1), 1.0),
                                                                     text=f"Rad {row} av {total}"))
        except StegvisError as exc:
            st.error("Inget importerades.")
            st.code(str(exc), language=None)
        else:
            bar.progress(1.0, text="Klart")
            st.success(f"{result.added} tillagda, {result.unchanged} fanns redan.")


def _allow_uploads_here() -> None:
    """The server takes uploads only from a session that has drawn this page (stegvis/web.py):
    anyone can open a Streamlit session, only an administrator gets here."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from stegvis.web import allow_uploads

    context = get_script_run_ctx()
    if context is not None:
        allow_uploads(context.session_id)
