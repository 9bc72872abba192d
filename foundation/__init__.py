"""The bottom layer: errors, organisation settings and the database connection.
Imports nothing from surveys, indicators, stegvis or dashboards (docs/architecture.md)."""
