"""Who sees what: Streamlit pages per role (never writes SQL)."""
