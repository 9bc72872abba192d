"""What it means: scoring, change, goals, breakdowns and suppression (never imports Streamlit)."""
