"""Placeholder pages per role until the participant, coach, board and admin pages land."""

import streamlit as st



def board_home():
    st.title("Styrelsen")


