"""`stegvis.files.write_csv` writes what `DataFrame.to_csv(index=False, float_format=…)` writes,
byte for byte, whether pyarrow writes the cells or pandas does."""

import io

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from stegvis.files import write_csv

FORMAT = "%.10g"


def written(frame: pd.DataFrame) -> str:
    out = io.BytesIO()
    write_csv(frame, out, float_format=FORMAT)
    return out.getvalue().decode("utf-8")


def expected(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format=FORMAT)


floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                   st.sampled_from([0.0, -0.0, 140.4, 137.44827586206897, 1e20, 1e-7, 52.0]))
texts = st.one_of(st.none(), st.text(alphabet=st.sampled_from(list('ab ,;"\r\nå-_=1')), max_size=6))


@settings(max_examples=150, deadline=None)
@given(rows=st.integers(0, 12), data=st.data())
def test_same_bytes_as_pandas(rows, data):
    flags = data.draw(st.lists(st.sampled_from(["", "low", "a;b", "c,d", 'q"']), min_size=1, max_size=4, unique=True))
    frame = pd.DataFrame({
        "id": data.draw(st.lists(texts, min_size=rows, max_size=rows)),
        "score": data.draw(st.lists(floats, min_size=rows, max_size=rows)),
        "small": np.array(data.draw(st.lists(st.floats(width=32), min_size=rows, max_size=rows)), dtype=np.float32),
        "n": data.draw(st.lists(st.integers(-2**40, 2**40), min_size=rows, max_size=rows)),
        "flags": pd.Categorical.from_codes(
            data.draw(st.lists(st.integers(-1, len(flags) - 1), min_size=rows, max_size=rows)), categories=flags),
    }).astype({"n": "int64"})
    for columns in (list(frame.columns), ["score", "n", "flags"], ["score"], ["n", "small"]):
        part = frame[columns]
        assert written(part) == expected(part)


def test_scores_shaped_frame_and_odd_columns():
    scores = pd.DataFrame({"respondent_id": np.arange(5), "total": [112.0, 140.4, np.nan, 137.44827586206897, -0.0],
                           "total_band": pd.Categorical(["low", "low", None, "low", "high"]),
                           "flags": pd.Categorical(["", "a;b", "", "a", ""]), "n_missing": [0, 1, 29, 2, 0]})
    assert written(scores) == expected(scores)
    assert written(scores).splitlines()[1:3] == ["0,112,low,,0", "1,140.4,low,a;b,1"]
    odd = pd.DataFrame({"when": pd.to_datetime(["2026-01-01", None]), "yes": [True, False],
                        "nullable": pd.array([1, None], dtype="Int64"), "mixed": ["a", 1]})
    assert written(odd) == expected(odd)


def test_pyarrow_writes_the_plain_cases(monkeypatch):
    """The fast path is taken for scores (or the tests above would only compare pandas with itself)."""
    scores = pd.DataFrame({"respondent_id": ["r1", "r2"], "total": [1.5, np.nan], "n_missing": [0, 3]})
    monkeypatch.setattr(pd.DataFrame, "to_csv", lambda *a, **k: (_ for _ in ()).throw(AssertionError("pandas")))
    assert written(scores) == "respondent_id,total,n_missing\nr1,1.5,0\nr2,,3\n"
