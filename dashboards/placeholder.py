"""Placeholder pages per role until the participant, coach, board and admin pages land."""

import streamlit as st


def staff_login():
    st.title("Logga in")


def coach_home():
    st.title("Mina deltagare")


def board_home():
    st.title("Styrelsen")


def admin_home():
    st.title("Administration")
