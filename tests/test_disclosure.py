"""The disclosure engine on small tables whose every published figure is known: counts of 1 to
k−1 hidden, no hidden count left with a single possible value, zeros beside a hidden total
hidden, shares and means only beside shown counts. The full audit over every report of the
grid is tests/test_disclosure_audit.py."""

import itertools

import numpy as np
from hypothesis import given, settings, strategies as st

from indicators.disclosure import Family, Protection
from stegvis.reports import display, percent, suppressed

SUPPRESSED_TEXT = suppressed()  # "för få svar"

K5 = Protection(k=5, interval=3)


def crosstab(rows: list[str], columns: list[str], people: list[tuple[str, str]]):
    """An outcome × gender table with its totals, each cell a figure over the people, and each
    person's variants (another outcome, another gender) as the board's builder makes them."""
    units, origin = list(people), [-1] * len(people)
    for n, (row, column) in enumerate(people):
        units += [(other, column) for other in rows if other != row] + [(row, other) for other in columns if other != column]
        origin += [n] * (len(rows) + len(columns) - 2)
    r = np.array([u[0] for u in units])
    c = np.array([u[1] for u in units])
    family = Family(len(units), origin)
    for row, column in itertools.product(rows + ["alla"], columns + ["alla"]):
        mask = (r == row if row != "alla" else True) & (c == column if column != "alla" else True)
        parts = [(x, column) for x in rows] if row == "alla" else []
        family.add((row, column), np.broadcast_to(mask, (len(units),)), parts=parts)
    return family


def alternatives(rows, columns, shown: dict, total: int):
    """Every table of `total` people that agrees with the shown figures, brute force."""
    cells = list(itertools.product(rows, columns))
    for counts in itertools.product(range(total + 1), repeat=len(cells)):
        if sum(counts) != total:
            continue
        table = dict(zip(cells, counts))
        full = dict(table)
        for row in rows:
            full[(row, "alla")] = sum(table[(row, c)] for c in columns)
        for column in columns:
            full[("alla", column)] = sum(table[(r, column)] for r in rows)
        full[("alla", "alla")] = total
        if all(full[key] == value for key, value in shown.items()):
            yield full


def test_a_small_cell_is_hidden_and_cannot_be_worked_out_from_the_totals():
    people = [("arbete", "k")] * 10 + [("studier", "k")] * 2 + [("arbete", "m")] * 7 + [("studier", "m")] * 2
    protected = crosstab(["arbete", "studier"], ["k", "m"], people).protect(K5)
    assert protected.count(("studier", "k")) is None and protected.count(("studier", "m")) is None
    assert protected.count(("studier", "alla")) is None, "4 is below k"
    assert protected.count(("arbete", "alla")) is None, "17 beside the total 21 would give the 4 back"
    assert protected.count(("alla", "alla")) == 21 and protected.count(("alla", "k")) == 12
    shown = {key: protected.count(key) for key in protected.family.keys if protected.count(key) is not None}
    values = {full[("studier", "k")] for full in alternatives(["arbete", "studier"], ["k", "m"], shown, 21)}
    assert len(values) >= 3, f"the hidden 2 could only be {sorted(values)}"


def test_zeros_beside_a_hidden_total_are_hidden_too():
    """Three men, all in work: shown zeros beside the hidden 3 would say so."""
    people = [("arbete", "m")] * 3 + [("arbete", "k")] * 8 + [("studier", "k")] * 6
    protected = crosstab(["arbete", "studier"], ["k", "m"], people).protect(K5)
    assert protected.count(("alla", "m")) is None
    assert protected.count(("studier", "m")) is None, "a shown 0 would tell every man's outcome"


def test_shares_and_means_stand_only_beside_shown_counts():
    family = Family(9)
    agree = np.array([True] * 8 + [False])
    family.add("n", np.ones(9, dtype=bool))
    family.add("instammer", agree)
    family.add("ej_instammer", ~agree)
    family.magnitude("svar", np.array([5.0] * 8 + [1.0]))
    protected = family.protect(K5)
    assert protected.count("n") == 9 and protected.share("instammer", "ej_instammer", "n") is None, \
        "88 % would single out the one who disagreed"
    assert protected.count("ej_instammer") is None and protected.count("instammer") is None
    assert protected.mean("n", "svar") == (8 * 5.0 + 1.0) / 9, "the mean of nine is shown"
    assert display(None) == SUPPRESSED_TEXT and percent(None) == SUPPRESSED_TEXT and percent(0.5) == "50\u00a0%"


def test_k_one_hides_nothing():
    people = [("arbete", "k")] * 2 + [("studier", "m")]
    protected = crosstab(["arbete", "studier"], ["k", "m"], people).protect(Protection(k=1, interval=1))
    assert all(protected.count(key) is not None for key in protected.family.keys)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["k", "m"])), min_size=1, max_size=9))
def test_no_hidden_cell_has_fewer_than_three_possible_values(people):
    """Brute force over every table of the same size that agrees with what is shown."""
    rows, columns = ["a", "b", "c"], ["k", "m"]
    protected = crosstab(rows, columns, people).protect(K5)
    shown = {key: protected.count(key) for key in protected.family.keys if protected.count(key) is not None}
    if ("alla", "alla") not in shown:
        return  # the total itself is hidden: any size is possible, nothing to enumerate
    total = shown[("alla", "alla")]
    tables = list(alternatives(rows, columns, shown, total))
    assert tables, "the real table must agree with what is shown"
    for key in protected.family.keys:
        if protected.count(key) is None and protected.true_count(key) > 0:  # a zero concerns nobody
            values = {table[key] for table in tables}
            assert len(values) >= 3, (key, sorted(values))


def test_figures_are_written_the_swedish_way():
    from stegvis.reports import decimal

    assert decimal(4.123) == "4,1" and decimal(2.5, signed=True) == "+2,5" and decimal(None) == SUPPRESSED_TEXT
    assert decimal(1234.5).replace("\xa0", " ") == "1 234,5"
