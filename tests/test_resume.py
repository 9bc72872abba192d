"""Resume tokens (stegvis.visits.ResumeTokens): a reload or a waking tablet comes back to its
visit without the code, until the tablet has been left alone too long, "Klar" is tapped, or
the code is typed again elsewhere; a token opens nothing in another database."""

from stegvis.visits import ResumeTokens


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_token_opens_its_visit_and_remembers_the_question():
    tokens = ResumeTokens(Clock())
    token = tokens.issue("a.db", "visit-1")
    assert tokens.use("a.db", token, 300).visit_id == "visit-1"
    tokens.use("a.db", token, 300, position=7)
    assert tokens.use("a.db", token, 300).position == 7
    assert tokens.use("b.db", token, 300) is None, "another database knows no such visit"
    assert tokens.use("a.db", "guessed", 300) is None and tokens.use("a.db", None, 300) is None


def test_idle_too_long_ends_it_and_every_tap_starts_the_wait_again():
    clock = Clock()
    tokens = ResumeTokens(clock)
    token = tokens.issue("a.db", "visit-1")
    clock.now += 299
    assert tokens.use("a.db", token, 300)  # a tap just in time
    clock.now += 299
    assert tokens.alive("a.db", token, 300)
    clock.now += 2
    assert not tokens.alive("a.db", token, 300)
    assert tokens.use("a.db", token, 300) is None, "and it does not come back"


def test_klar_and_a_new_code_entry_end_it():
    tokens = ResumeTokens(Clock())
    first = tokens.issue("a.db", "visit-1")
    second = tokens.issue("a.db", "visit-1")  # the code typed again, on another tablet
    assert tokens.use("a.db", first, 300) is None and tokens.use("a.db", second, 300)
    tokens.forget(second)  # "Klar"
    assert tokens.use("a.db", second, 300) is None


def test_tokens_are_long_and_random_and_never_the_code():
    tokens = ResumeTokens(Clock())
    issued = {tokens.issue("a.db", f"visit-{n}") for n in range(200)}
    assert len(issued) == 200 and all(len(token) >= 24 for token in issued)
