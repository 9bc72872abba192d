"""Reading user files (CSV or Excel) with clear errors, and writing output atomically so
a failed run never leaves a half-written file."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from foundation.errors import StegvisError


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


def read_table(source: Path | Upload, *, dtype=str) -> pd.DataFrame:
    """A CSV (UTF-8, comma or semicolon separated, as Swedish Excel writes) or .xlsx file,
    from disk or from memory (an upload)."""
    if isinstance(source, Upload):
        label, suffix, data = source.label, Path(source.label).suffix.lower(), source.data
    else:
        path = Path(source)
        if not path.exists():
            raise StegvisError(f"{path}: no such file")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StegvisError(f"{path}: cannot read it ({exc.strerror or exc})") from None
        label, suffix = str(path), path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(io.BytesIO(data), dtype=dtype, engine="openpyxl")
        else:
            head = data.split(b"\n", 1)[0].decode("utf-8-sig")
            sep = ";" if head.count(";") > head.count(",") else ","
            frame = pd.read_csv(io.BytesIO(data), dtype=dtype, sep=sep, encoding="utf-8-sig", keep_default_na=False,
                                na_values=[""], engine="c")
    except UnicodeDecodeError:
        raise StegvisError(f"{label}: not UTF-8 text; save it as 'CSV UTF-8' (or .xlsx) and try again") from None
    except pd.errors.EmptyDataError:
        raise StegvisError(f"{label}: the file is empty") from None
    except (pd.errors.ParserError, ValueError, OSError, zipfile.BadZipFile) as exc:
        raise StegvisError(f"{label}: cannot read it as a table ({str(exc).splitlines()[0]})") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


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
