"""The one error type for mistakes a person can make: a bad definition, import file,
answer or command. The CLI prints its message without a traceback and exits 1."""

from __future__ import annotations

from foundation.texts import DEFAULT, Message


class StegvisError(Exception):
    """An error a user caused and can fix; the message says what, where and how. Given a
    catalogue `Message`, `str()` is its Swedish wording (the CLI's) and `say(lang)` the
    reader's; a plain string (command-line only errors) reads the same in every language."""

    def __init__(self, message: str | Message = ""):
        self.message = message
        super().__init__(message.say(DEFAULT) if isinstance(message, Message) else message)

    def say(self, lang: str = DEFAULT) -> str:
        return self.message.say(lang) if isinstance(self.message, Message) else str(self)


class StorageFault(StegvisError):
    """The database could not be read or written (disk full, locked, damaged): nothing was
    saved, and the person can try again."""


class AccessDenied(StegvisError):
    """The current user's role or caseload does not allow this."""
