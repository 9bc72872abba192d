"""Streamlit entry point: the participant's code page is the front page; staff log in
from a link on it and see the pages of their role."""

import streamlit as st

from dashboards import admin, auth, board, coach, rounds, survey
from dashboards.common import READABLE_CSS, STAFF_CSS
from foundation.texts import t

st.set_page_config(page_title="Stegvis", page_icon="🪜", layout="wide")
st.html(READABLE_CSS)  # style only: Streamlit puts it where it takes no room

user = auth.current_user()
# the page's language (staff pages are Swedish), and after a login or logout the route that sets
# or removes the session cookie
auth.browser_steps("sv" if user else st.session_state.get("lang", "sv"))
if user is None:
    pages = [
        st.Page(survey.page, title=t("app.survey"), url_path="enkat", default=True),
        st.Page(auth.login_page, title=t("app.login"), url_path="login"),
    ]
else:
    pages = {
        "coach": [st.Page(coach.caseload_page, title=t("app.caseload"), url_path="coach", default=True),
                  coach.participant_address_page(),  # /deltagare?kod=…, also where a caseload row leads
                  st.Page(coach.register_page, title=t("app.register"), url_path="ny"),
                  st.Page(coach.trends_page, title=t("app.trends"), url_path="trender")],
        "board": [st.Page(board.page, title=t("app.board"), url_path="styrelse", default=True)],
        "admin": [st.Page(admin.page, title=t("app.admin"), url_path="admin", default=True),
                  st.Page(rounds.page, title=t("app.rounds"), url_path="omgangar"),
                  st.Page(board.page, title=t("board.title"), url_path="styrelse")],
    }[user.role]
    if user.role == "coach":
        # the coach's pages along the top: on a tablet (810 px upright) the caseload needs the whole
        # width, which a sidebar of 200-300 px took; who is logged in is named on "Logga ut"
        pages.append(st.Page(auth.logout_page, title=t("app.logout_user", user=user.label), url_path="logout"))
    else:
        pages.append(st.Page(auth.logout_page, title=t("app.logout"), url_path="logout"))
        st.sidebar.caption(t("app.logged_in", user=user.label))
    st.html(STAFF_CSS)
st.navigation(pages, position=("top" if user.role == "coach" else "sidebar") if user else "hidden").run()
