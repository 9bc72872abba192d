"""Reading user files (CSV or Excel) with clear errors, and writing output atomically so
a failed run never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from stegvis.errors import StegvisError


def read_table(path: Path, *, dtype=str) -> pd.DataFrame:
    """A CSV (UTF-8, comma or semicolon separated, as Swedish Excel writes) or .xlsx file."""
    path = Path(path)
    if not path.exists():
        raise StegvisError(f"{path}: no such file")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, dtype=dtype, engine="openpyxl")
        else:
            with open(path, encoding="utf-8-sig") as handle:
                head = handle.readline()
            sep = ";" if head.count(";") > head.count(",") else ","
            frame = pd.read_csv(path, dtype=dtype, sep=sep, encoding="utf-8-sig", keep_default_na=False,
                                na_values=[""], engine="c")
    except UnicodeDecodeError:
        raise StegvisError(f"{path}: not UTF-8 text; save it as 'CSV UTF-8' (or .xlsx) and try again") from None
    except pd.errors.EmptyDataError:
        raise StegvisError(f"{path}: the file is empty") from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise StegvisError(f"{path}: cannot read it as a table ({str(exc).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside the target, then rename: all or nothing."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(temporary, path)
    except OSError as exc:
        raise StegvisError(f"{path}: cannot write ({exc.strerror or exc})") from None
