"""The förbund's own definitions: a folder beside the database (`stegvis config definitions_dir`)
where its instruments and programmes live, and publishing one file from it as a version the
app uses at once. The database holds every published version (answers point at them); the
folder holds each definition's latest file, to copy and edit for the next version."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

from foundation.db import transaction
from foundation.errors import StegvisError
from foundation.settings import setting
from surveys.code_key import database_file
from surveys.definitions import Catalog, _line_of, _shown, canonical_json, parse_located, shipped_catalog
from surveys.models import Instrument, Programme
from surveys.store import _same_definition, load_catalog, publish_definitions

DEFAULT_FOLDER = "definitions"  # beside the database file: data/stegvis.db -> data/definitions/
KINDS = {Instrument: "instrument", Programme: "programme"}
# Where a definition comes from, as the admin page and `stegvis definitions list` say it.
SHIPPED, FOLDER = "shipped", "folder"


@dataclass(frozen=True)
class Added:
    kind: str
    id: str
    version: int
    file: Path
    new: bool  # False: this very version was published already, nothing changed


def definitions_dir(db: sqlite_utils.Database) -> Path:
    """The förbund's definitions folder: the `definitions_dir` setting, else `definitions/` beside
    the database file."""
    chosen = setting(db, "definitions_dir")
    if chosen:
        return Path(chosen)
    path = database_file(db)
    if path is None:
        raise StegvisError("an in-memory database has no definitions folder; "
                           "set one with `stegvis config definitions_dir PATH`")
    return path.parent / DEFAULT_FOLDER


def definition_file(folder: Path, kind: str, ident: str) -> Path:
    """Where a definition's latest file lives in the folder. Named after the validated id (a
    slug: a-z, 0-9, _), never after the file it was added from, so no name can point elsewhere."""
    return folder / f"{kind}s" / f"{ident}.yaml"


def add_definition(db: sqlite_utils.Database, path: str | Path) -> Added:
    """Validate one instrument or programme file, with its references to every definition the
    database knows (shipped or published), and publish it: the version stored in the database
    and the file copied into the definitions folder. Anything wrong is refused with the file and
    line, and then nothing is published: no row is stored and no file is written. Ids shipped
    with Stegvis change only with Stegvis (a förbund's version of one would collide with a later
    release's); a published version may not change, and no older version comes after a newer."""
    path = Path(path)
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StegvisError(f"{path}: cannot read the file ({exc})") from None
    source = _shown(path)
    definition, tree = parse_located(text, source)
    kind = KINDS.get(type(definition))
    if kind is None:
        what = type(definition).__name__.lower()
        raise StegvisError(f"{source}: this is a {what} file; only instruments and programmes are published with "
                           "`stegvis definitions add` (a text pack: `stegvis textpack install`)")
    ident, version = definition.id, definition.version
    content = canonical_json(definition)
    folder = definitions_dir(db)
    target = definition_file(folder, kind, ident)
    shipped = shipped_catalog().instruments if kind == "instrument" else shipped_catalog().programmes
    if any(i == ident for i, _ in shipped):
        if (ident, version) in shipped and canonical_json(shipped[(ident, version)]) == content:
            return Added(kind, ident, version, target, new=False)  # the shipped file itself
        raise StegvisError(f"{source}:{_line_of(tree, ('id',))}: id: {kind} {ident} ships with Stegvis and changes "
                           "only with Stegvis; give your version an id of its own (copy the file, change `id`)")
    version_line = f"{source}:{_line_of(tree, ('version',))}: version"
    staged = previous = None
    try:
        with transaction(db):  # one publisher at a time: the checks below stay true until commit
            stored = {v: c for v, c in db.execute(
                "SELECT version, content FROM definitions WHERE kind = ? AND id = ?", [kind, ident])}
            if version in stored:
                if _same_definition(stored[version], content, type(definition)):
                    return Added(kind, ident, version, target, new=False)
                raise StegvisError(f"{version_line}: {kind} {ident} version {version} is published already with "
                                   f"other content; raise `version` to {max(stored) + 1} so stored answers keep "
                                   "their meaning")
            if stored and version < max(stored):
                raise StegvisError(f"{version_line}: {kind} {ident} version {max(stored)} is published already; "
                                   f"give this one version {max(stored) + 1}")
            catalog = load_catalog(db).copy()
            catalog.add(definition, source, tree)
            problems = catalog.problems()
            if problems:
                raise StegvisError("\n".join(problems))
            only = Catalog()
            only.add(definition)
            publish_definitions(db, only)
            staged = _stage(target, data)
            previous = target.read_bytes() if target.is_file() else b""
            os.replace(staged, target)
            staged = None
    except BaseException:
        if staged is not None:
            staged.unlink(missing_ok=True)
        elif previous is not None:  # the file was replaced, the row not stored: the folder as it was
            _restore(target, previous)
        raise
    return Added(kind, ident, version, target, new=True)


def _restore(target: Path, previous: bytes) -> None:
    if previous:
        _stage(target, previous).replace(target)
    else:
        target.unlink(missing_ok=True)


def _stage(target: Path, data: bytes) -> Path:
    """The file written beside its place, to be renamed into it: a full disk or a folder that
    cannot be written refuses the definition before anything is stored."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, staged = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise StegvisError(f"{target.parent}: cannot write the definitions folder ({exc.strerror or exc})") from None
    return Path(staged)


def published(db: sqlite_utils.Database) -> list[dict]:
    """Every published version, newest first within a definition: kind, id, version, name, when
    it was published, where it comes from (`shipped` with Stegvis, or the förbund's own,
    `folder`) and the folder's file when it holds this very version."""
    shipped = shipped_catalog()
    try:
        folder = definitions_dir(db)
    except StegvisError:
        folder = None
    rows, files = [], {}
    for kind, ident, version, content, published_at in db.execute(
            "SELECT kind, id, version, content, published_at FROM definitions ORDER BY kind, id, version DESC"):
        model = Instrument if kind == "instrument" else Programme
        ships = any(i == ident for i, _ in (shipped.instruments if kind == "instrument" else shipped.programmes))
        path = definition_file(folder, kind, ident) if folder is not None and not ships else None
        if path is not None and path not in files:
            files[path] = _read_quietly(path)
        held = path is not None and files[path] is not None and isinstance(files[path], model) and \
            _same_definition(content, canonical_json(files[path]), model)
        name = json.loads(content).get("title" if kind == "instrument" else "name")
        rows.append({"kind": kind, "id": ident, "version": version,
                     "name": name.get("sv") if isinstance(name, dict) else name, "published_at": published_at,
                     "origin": SHIPPED if ships else FOLDER, "file": str(path) if held else None})
    return rows


def _read_quietly(path: Path):
    """The definition in a folder file, or None when it is missing or not valid (it is listed,
    not checked, here: `stegvis definitions add` checks)."""
    try:
        return parse_located(path.read_text(encoding="utf-8"), str(path))[0]
    except (OSError, UnicodeDecodeError, StegvisError):
        return None
