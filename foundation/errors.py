"""The one error type for mistakes a person can make: a bad definition, import file,
answer or command. The CLI prints its message without a traceback and exits 1."""


class StegvisError(Exception):
    """An error a user caused and can fix; the message says what, where and how."""


class StorageFault(StegvisError):
    """The database could not be read or written (disk full, locked, damaged): nothing was
    saved, and the person can try again."""


class AccessDenied(StegvisError):
    """The current user's role or caseload does not allow this."""
