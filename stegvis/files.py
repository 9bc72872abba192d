"""Reading user files (CSV or Excel) with clear errors, and writing output atomically so
a failed run never leaves a half-written file."""

from __future__ import annotations

import contextlib
import csv
import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

import pandas as pd

from foundation.errors import StegvisError
from foundation.texts import Message


@dataclass(frozen=True)
class Upload:
    """A file received over the web: its bytes, and the name the browser gave it. The name only
    decides CSV or Excel and labels messages; it is never used as a path (a client may send
    any name, an absolute path included)."""

    name: str
    data: bytes

    @property
    def label(self) -> str:
        """The last part of the name, printable and short: safe in messages and the audit log."""
        base = self.name.replace("\\", "/").rsplit("/", 1)[-1]
        return "".join(ch for ch in base if ch.isprintable())[:80] or "upload"


def _contents(source: Path | Upload) -> tuple[str, str, bytes]:
    """(label for messages, lower-case suffix, bytes) of a file on disk or an upload."""
    if isinstance(source, Upload):
        return source.label, Path(source.label).suffix.lower(), source.data
    path = Path(source)
    if not path.exists():
        raise StegvisError(Message("file.missing", source=str(path)))
    try:
        return str(path), path.suffix.lower(), path.read_bytes()
    except OSError as exc:
        raise StegvisError(Message("file.unreadable", source=str(path), reason=exc.strerror or exc)) from None


def _is_excel(suffix: str) -> bool:
    return suffix in (".xlsx", ".xlsm")


def _header_and_separator(data: bytes) -> tuple[list[str], str]:
    """The first line's cells as written, and the separator: ';' when it has more of them than
    commas (Swedish Excel), else ','."""
    head = io.BytesIO(data).readline().decode("utf-8-sig").rstrip("\r\n")  # not split(): that copies the rest
    sep = ";" if head.count(";") > head.count(",") else ","
    return next(csv.reader([head], delimiter=sep), []), sep


def read_table(source: Path | Upload, *, dtype=str) -> pd.DataFrame:
    """A CSV (UTF-8, comma or semicolon separated, as Swedish Excel writes) or .xlsx file,
    from disk or from memory (an upload)."""
    label, suffix, data = _contents(source)
    try:
        if _is_excel(suffix):
            frame = pd.read_excel(io.BytesIO(data), dtype=dtype, engine="openpyxl")
        else:
            _, sep = _header_and_separator(data)
            frame = pd.read_csv(io.BytesIO(data), dtype=dtype, sep=sep, encoding="utf-8-sig", keep_default_na=False,
                                na_values=[""], engine="c")
    except UnicodeDecodeError:
        raise StegvisError(Message("file.not_utf8", source=label)) from None
    except pd.errors.EmptyDataError:
        raise StegvisError(Message("file.empty", source=label)) from None
    except (pd.errors.ParserError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise StegvisError(Message("file.not_a_table", source=label, reason=str(exc).splitlines()[0])) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_columns(source: Path | Upload):
    """The table `read_table` reads, as a pyarrow Table of text columns (null for an empty
    cell), for an import that checks a million rows column by column: pyarrow's reader takes a
    third of the time pandas' takes and makes no Python object per cell. A file that reader
    does not take as it is (Excel, a row with fewer cells than the header, a line break inside
    a cell, a column name twice, text that is not UTF-8) is read by `read_table`, with its
    forgiving reading and its messages."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    _, suffix, data = _contents(source)
    if not _is_excel(suffix):
        with contextlib.suppress(UnicodeDecodeError, pa.ArrowInvalid):
            names, sep = _header_and_separator(data)
            if names and len(set(names)) == len(names):
                table = pcsv.read_csv(io.BytesIO(data), parse_options=pcsv.ParseOptions(delimiter=sep),
                                      convert_options=pcsv.ConvertOptions(
                                          column_types={name: pa.string() for name in names}, null_values=[""],
                                          strings_can_be_null=True, quoted_strings_can_be_null=True))
                if table.column_names == names:
                    return table.rename_columns([name.strip() for name in names])
    frame = read_table(source, dtype=object)  # cells as Excel gives them: numbers, dates, text
    return pa.table({name: pa.array([None if pd.isna(cell) else str(cell) for cell in frame[name].tolist()],
                                    type=pa.string()) for name in frame.columns})


def read_text_file(path: Path, limit: int = 1_000_000) -> str:
    """A small UTF-8 text file (an address list), with a clear error when it is not one."""
    path = Path(path)
    try:
        if path.stat().st_size > limit:
            raise StegvisError(f"{path}: larger than {limit // 1000} kB; is it the right file?")
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise StegvisError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise StegvisError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise StegvisError(f"{path}: cannot read it ({exc.strerror or exc})") from None


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[BinaryIO]:
    """A binary file to write into; it becomes `path` only when the block ends without an
    error (a temporary file beside the target, then a rename), and is removed otherwise."""
    path = Path(path)
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            yield out
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise StegvisError(f"{path}: cannot write ({exc.strerror or exc})") from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside the target, then rename: all or nothing."""
    with atomic_output(path) as out:
        out.write(data.encode("utf-8") if isinstance(data, str) else data)


# A cell pandas' writer (the csv module, QUOTE_MINIMAL) would put in quotes.
_NEEDS_QUOTES = r'[",\r\n]'


def write_csv(frame: pd.DataFrame, out: BinaryIO, *, float_format: str) -> None:
    """`frame.to_csv(index=False, float_format=float_format)`, byte for byte, written to `out`.

    pandas formats every float cell with `float_format % value` in Python, which for a million
    rows of scores takes seconds. Here each distinct float is formatted once and pyarrow's
    writer writes the cells as they are. A frame whose cells pyarrow would write differently
    (a text cell or name that needs quotes, booleans, dates, a single column) goes through
    pandas, so the bytes are always the same as pandas would write."""
    table = _arrow_cells(frame, float_format)
    if table is None:
        out.write(frame.to_csv(index=False, float_format=float_format).encode("utf-8"))
        return
    from pyarrow import csv as arrow_csv

    arrow_csv.write_csv(table, out, arrow_csv.WriteOptions(quoting_style="none", quoting_header="none",
                                                           batch_size=64 * 1024))


def _arrow_cells(frame: pd.DataFrame, float_format: str):
    """The frame as a pyarrow table whose cells pyarrow writes unquoted exactly as pandas
    writes them, or None when that cannot be promised."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    names = [str(c) for c in frame.columns]
    if frame.columns.has_duplicates or len(names) < 2 or any(not isinstance(c, str) for c in frame.columns):
        return None  # pandas writes a lone empty cell as ""; pyarrow wants distinct text names

    def unquoted(texts) -> bool:
        return not pc.any(pc.match_substring_regex(texts, _NEEDS_QUOTES)).as_py()

    if not unquoted(pa.array(names, pa.string())):
        return None
    columns = []
    for name in names:
        column = frame[name]
        dtype = column.dtype
        if isinstance(dtype, pd.CategoricalDtype):
            categories = column.cat.categories
            if not (pd.api.types.is_string_dtype(categories.dtype) and all(isinstance(c, str) for c in categories)):
                return None
            if not unquoted(pa.array(list(categories), pa.string())):
                return None
            codes = column.cat.codes.to_numpy()
            columns.append(pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0),
                                                          pa.array(list(categories), pa.string())))
        elif dtype in (np.float64, np.float32) and isinstance(dtype, np.dtype):
            values = column.to_numpy()
            missing = np.isnan(values)
            # distinct bit patterns, so that -0.0 and 0.0 keep their own texts
            bits = values.view(np.int64 if values.itemsize == 8 else np.int32)
            distinct, first, inverse = np.unique(bits[~missing], return_index=True, return_inverse=True)
            texts = pa.array([float_format % v for v in values[~missing][first].tolist()], pa.string())
            codes = np.zeros(len(values), dtype=np.int32)
            codes[~missing] = inverse
            columns.append(pa.DictionaryArray.from_arrays(pa.array(codes, mask=missing), texts))
        elif dtype.kind in "iu":  # numpy integers and pandas' nullable ones: written as str(n)
            columns.append(pa.array(column, from_pandas=True))
        elif pd.api.types.is_string_dtype(dtype):
            try:
                texts = pa.array(column, type=pa.string(), from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # an object column holding numbers or other things
                return None
            if not unquoted(texts):
                return None
            columns.append(texts)
        else:
            return None
    return pa.table(columns, names=names)
