"""Command modules of the `stegvis` CLI; each has `register(app)`. Add a new module here."""

from stegvis.commands import database, definitions, scoring

COMMAND_MODULES = [definitions, database, scoring]
