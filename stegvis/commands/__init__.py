"""Command modules of the `stegvis` CLI; each has `register(app)`. Add a new module here."""

from stegvis.commands import data, database, definitions, privacy, rounds, scoring, sessions

COMMAND_MODULES = [definitions, database, scoring, sessions, rounds, privacy, data]
