"""Loading definition files: YAML in, validated models out, and every mistake
reported as `file:line: where: what`. The catalog holds every version of every
instrument and programme, shipped or published earlier, the respondent groups
(groups.yaml) and the förbund's own rounds (forbund.yaml)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Union

import yaml
from pydantic import BaseModel, ValidationError

from foundation.errors import StegvisError
from surveys.models import (FOLLOWUP_STATUSES, AnswerAtLeast, DeclaredRound, DefinitionProblem, Forbund, Groups, IndicatorShare,
                            Instrument, Programme, RespondentGroup, ScaleChange, TextPack)

SHIPPED_DIR = Path(__file__).parent / "definitions"
Definition = Union[Instrument, Programme, TextPack, Groups, Forbund]
FILE_KINDS = (Instrument, Programme, TextPack, Groups, Forbund)
# Fields added to the programme file after programmes were first published: left out of the stored
# form while empty, so a programme published before they existed still compares equal.
LATER_FIELDS = {Programme: ("rounds", "registry_fields"), Instrument: ("board_choices",)}
# libyaml's parser when PyYAML was built with it (the wheels are): a definition file is read three
# times (aliases, nodes for line numbers, values), which in pure Python took 0.3 s for the shipped
# files at every start of a command. libyaml also refuses nesting deeper than 1,000 levels.
YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def model_for(data: dict) -> type[BaseModel]:
    """Which kind of definition a parsed file is, judged from its top-level keys."""
    if "occasions" in data:
        return Programme
    if "language" in data and "instrument" in data:
        return TextPack
    if "groups" in data:
        return Groups
    if "rounds" in data and not {"id", "items"} & set(data):
        return Forbund
    return Instrument


def load_file(path: str | Path) -> Definition:
    """Parse and validate one definition file; raise StegvisError listing every problem with its line."""
    return load_located(path)[0]


def load_located(path: str | Path) -> tuple[Definition, yaml.Node]:
    """The definition in a file and its YAML tree, so that problems found later (cross-references
    to other files) can still be pointed at a line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StegvisError(f"{path}: cannot read the file ({exc})") from None
    return parse_located(text, str(path))


def parse_text(text: str, source: str = "<text>") -> Definition:
    return parse_located(text, source)[0]


def parse_located(text: str, source: str = "<text>") -> tuple[Definition, yaml.Node]:
    try:
        _refuse_aliases(text, source)
        root = yaml.compose(text, Loader=YamlLoader)
        data = yaml.load(text, Loader=YamlLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise StegvisError(f"{source}{line}: not valid YAML: {problem}") from None
    except RecursionError:
        raise StegvisError(f"{source}: nested too deeply to be a definition file") from None
    except UnicodeEncodeError:  # a lone surrogate: libyaml reads UTF-8 (the pure-Python reader said the same)
        raise StegvisError(f"{source}: not valid YAML: unacceptable character (not Unicode text)") from None
    if not isinstance(data, dict):
        raise StegvisError(f"{source}:1: a definition file must be a mapping of fields (id, version, ...)")
    duplicate = _first_duplicate_key(root)
    if duplicate:
        key, line = duplicate
        raise StegvisError(f"{source}:{line}: {key}: the key appears twice in the same mapping")
    model = model_for(data)
    try:
        return model.model_validate(data), root
    except ValidationError as exc:
        lines = [_describe(err, root, source) for err in exc.errors()]
        raise StegvisError("\n".join(lines)) from None


def _refuse_aliases(text: str, source: str) -> None:
    """Definitions never need YAML aliases (`*name`, `<<: *name`), and aliases are how a small
    file becomes a billion values ("billion laughs") for every walk over the data. Refused from
    the parser's events, before anything is built, so a hostile file is answered at once."""
    for event in yaml.parse(text, Loader=YamlLoader):
        if isinstance(event, yaml.AliasEvent):
            raise StegvisError(f"{source}:{event.start_mark.line + 1}: the alias *{event.anchor} is not allowed "
                               f"in a definition file; write the value out in full")


def _describe(err: dict, root, source: str) -> str:
    loc = tuple(err["loc"])
    original = (err.get("ctx") or {}).get("error")
    if isinstance(original, DefinitionProblem):
        loc = loc + tuple(original.path)
        message = original.message
    elif err["type"] == "missing":
        message = f"missing required field `{loc[-1]}`"
        loc = loc[:-1]
    elif err["type"] == "extra_forbidden":
        message = f"unknown field `{loc[-1]}` (a typo, or a field of another kind of definition?)"
    else:
        message = err["msg"].removeprefix("Value error, ")
    where = ".".join(str(part) for part in loc) or "(top level)"
    return f"{source}:{_line_of(root, loc)}: {where}: {message}"


def _line_of(node, loc: tuple) -> int:
    """The line of the deepest node on `loc` that exists in the YAML tree."""
    line = node.start_mark.line + 1 if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if match is None:
                continue  # a pydantic-only step such as a union tag
            line, node = match[0].start_mark.line + 1, match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _first_duplicate_key(node):
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if key.value in seen:
                return key.value, key.start_mark.line + 1
            seen.add(key.value)
            found = _first_duplicate_key(value)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            found = _first_duplicate_key(child)
            if found:
                return found
    return None


def check_textpack(pack: TextPack, instrument: Instrument, source: str = "text pack") -> None:
    """A text pack must cover exactly the instrument's items, with end labels where the items have them."""
    problems = []
    if pack.instrument != instrument.id:
        problems.append(f"is for instrument {pack.instrument}, not {instrument.id}")
    if pack.version is not None and pack.version != instrument.version:
        problems.append(f"is for version {pack.version}, not {instrument.version}")
    ids = [i.id for i in instrument.items]
    missing = [i for i in ids if i not in pack.items]
    extra = [i for i in pack.items if i not in ids]
    if missing:
        problems.append(f"has no wording for items {', '.join(missing)}")
    if extra:
        problems.append(f"has wording for items the instrument does not have: {', '.join(extra)}")
    for item in instrument.items:
        entry = pack.items.get(item.id)
        if entry and item.end_labels and not (entry.low and entry.high):
            problems.append(f"item {item.id} needs end labels `low` and `high`")
    if problems:
        raise StegvisError("\n".join(f"{source}: {p}" for p in problems))


@dataclass
class Catalog:
    """Every known version of every instrument and programme, the respondent groups and the
    förbund's own rounds. `sources` remembers which file a definition came from, for messages."""

    instruments: dict[tuple[str, int], Instrument] = field(default_factory=dict)
    programmes: dict[tuple[str, int], Programme] = field(default_factory=dict)
    groups: dict[str, RespondentGroup] = field(default_factory=dict)
    forbund: Forbund = field(default_factory=Forbund)
    sources: dict[tuple[str, str], str] = field(default_factory=dict)
    trees: dict[tuple[str, str], yaml.Node] = field(default_factory=dict)

    def add(self, definition: Definition, source: str | None = None, tree: yaml.Node | None = None) -> None:
        """Add a definition; with the file it came from (`source`) and its YAML tree, problems
        found in it later name the file and line."""
        if isinstance(definition, Groups):
            # a later groups file adds to (or renames) the groups already known
            self.groups.update({g.id: g for g in definition.groups})
            for group in definition.groups:
                self._remember(("group", group.id), source)
            self._remember(("group", ""), source)  # where to add a missing group: the last file read
            return
        if isinstance(definition, Forbund):
            self.forbund = definition
            self._remember(("forbund", ""), source)
            return
        kind, target = (("instrument", self.instruments) if isinstance(definition, Instrument)
                        else ("programme", self.programmes))
        target[(definition.id, definition.version)] = definition
        self._remember((kind, definition.id), source)
        if tree is not None:
            self.trees[(kind, definition.id)] = tree
        else:
            self.trees.pop((kind, definition.id), None)

    def _remember(self, key: tuple[str, str], source: str | None) -> None:
        if source:
            self.sources[key] = source

    def copy(self) -> Catalog:
        """A catalog to add to without changing this one (the shipped one is shared)."""
        return Catalog(dict(self.instruments), dict(self.programmes), dict(self.groups), self.forbund,
                       dict(self.sources), dict(self.trees))

    def instrument(self, instrument_id: str, version: int | None = None) -> Instrument:
        return self._get(self.instruments, "instrument", instrument_id, version)

    def programme(self, programme_id: str, version: int | None = None) -> Programme:
        return self._get(self.programmes, "programme", programme_id, version)

    def group(self, group_id: str) -> RespondentGroup:
        if group_id not in self.groups:
            known = ", ".join(sorted(self.groups)) or "none"
            raise StegvisError(f"unknown respondent group `{group_id}` (known: {known}; groups are declared in "
                               f"{self._file('group', group_id)})")
        return self.groups[group_id]

    def group_label(self, group_id: str, lang: str = "sv") -> str:
        """The group's name; its id for a group no longer declared (answers stored long ago)."""
        return self.groups[group_id].label.get(lang) if group_id in self.groups else group_id

    def round_groups(self) -> list[RespondentGroup]:
        """The groups asked in survey rounds, in the order the groups file lists them."""
        return [g for g in self.groups.values() if g.answers == "round"]

    def declared_rounds(self, programme_id: str | None) -> list[DeclaredRound]:
        """The rounds a programme (None: the förbund) declares for every year."""
        return list(self.programme(programme_id).rounds if programme_id else self.forbund.rounds)

    def _file(self, kind: str, ident: str = "") -> str:
        return self.sources.get((kind, ident)) or {"group": "the groups file (groups.yaml)",
                                                   "forbund": "the förbund file (forbund.yaml)"}.get(kind, kind)

    @staticmethod
    def _get(table: dict, what: str, ident: str, version: int | None):
        if version is not None:
            if (ident, version) in table:
                return table[(ident, version)]
            raise StegvisError(f"unknown {what} {ident} version {version}")
        versions = [v for (i, v) in table if i == ident]
        if not versions:
            known = ", ".join(sorted({i for i, _ in table})) or "none"
            raise StegvisError(f"unknown {what} `{ident}` (known: {known})")
        return table[(ident, max(versions))]

    def latest_instruments(self) -> list[Instrument]:
        return [self.instrument(i) for i in sorted({i for i, _ in self.instruments})]

    def latest_programmes(self) -> list[Programme]:
        return [self.programme(p) for p in sorted({p for p, _ in self.programmes})]

    def problems(self) -> list[str]:
        """Cross-file references: occasions and goals must name instruments, scales and items that exist;
        instruments must name a declared group; declared rounds a round group and its instruments."""
        found = []
        known_groups = ", ".join(self.groups) or "none"
        for instrument in self.latest_instruments():
            if instrument.respondent_group not in self.groups:
                found.append(f"{self._file('instrument', instrument.id)}: instrument {instrument.id}: respondent_group "
                             f"{instrument.respondent_group} is not declared in {self._file('group')} (known: "
                             f"{known_groups}); add the group there or correct the id")
        for programme in self.latest_programmes():
            where = f"programme {programme.id}"
            at = partial(self._at, "programme", programme.id)
            for n, occasion in enumerate(programme.occasions):
                for m, ref in enumerate(occasion.instruments):
                    if not any(i == ref for i, _ in self.instruments):
                        found.append(f"{at(('occasions', n, 'instruments', m))}{where}, occasion {occasion.id}: "
                                     f"unknown instrument {ref}")
                if occasion.status_item:
                    found += self._status_item_problems(f"{at(('occasions', n, 'status_item'))}{where}, "
                                                        f"occasion {occasion.id}", occasion)
            for n, goal in enumerate(programme.goals):
                num = goal.numerator
                if not isinstance(num, (ScaleChange, AnswerAtLeast, IndicatorShare)):
                    continue
                here = f"{at(('goals', n, 'numerator'))}{where}, goal {goal.id}"
                if not any(i == num.instrument for i, _ in self.instruments):
                    found.append(f"{here}: unknown instrument {num.instrument}")
                    continue
                instrument = self.instrument(num.instrument)
                if isinstance(num, ScaleChange) and num.scale not in {s.id for s in instrument.scales}:
                    found.append(f"{here}: {instrument.id} has no scale {num.scale}")
                if isinstance(num, AnswerAtLeast) and num.item not in {i.id for i in instrument.items}:
                    found.append(f"{here}: {instrument.id} has no item {num.item}")
                if isinstance(num, IndicatorShare):
                    indicator = next((d for d in instrument.indicators if d.id == num.indicator), None)
                    if indicator is None:
                        found.append(f"{here}: {instrument.id} has no indicator {num.indicator}")
                    elif indicator.cut is None:
                        found.append(f"{here}: indicator {num.indicator} has no cut "
                                     "(aggregation share_at_least), so no share to reach")
            found += self._round_problems(f"{self._file('programme', programme.id)}: {where}", programme.rounds)
        found += self._round_problems(f"{self._file('forbund')}: förbund", self.forbund.rounds)
        return found

    def _status_item_problems(self, where: str, occasion) -> list[str]:
        """The item a follow-up's status is read from: a single choice of the statuses."""
        known = [ref for ref in occasion.instruments if any(i == ref for i, _ in self.instruments)]
        items = [item for ref in known for item in self.instrument(ref).items if item.id == occasion.status_item]
        if not known:
            return []  # the unknown instrument is reported already
        if not items:
            return [f"{where}: status_item {occasion.status_item} is not an item of {', '.join(occasion.instruments)}"]
        choices = [c.id for c in items[0].choices]
        if items[0].kind != "single_choice" or not set(choices) <= set(FOLLOWUP_STATUSES):
            return [f"{where}: status_item {occasion.status_item} must be a single choice of "
                    f"{', '.join(FOLLOWUP_STATUSES)} (it is a {items[0].kind} of {', '.join(choices) or 'nothing'})"]
        return []

    def _at(self, kind: str, ident: str, loc: tuple) -> str:
        """`file:line: ` of a place in a definition read from a file, or nothing when it came from
        the database."""
        source = self.sources.get((kind, ident))
        if source is None:
            return ""
        tree = self.trees.get((kind, ident))
        return f"{source}:{_line_of(tree, loc)}: " if tree is not None else f"{source}: "

    def _round_problems(self, where: str, rounds: list[DeclaredRound]) -> list[str]:
        found = []
        for declared in rounds:
            here = f"{where}, round {declared.id}"
            group = self.groups.get(declared.group)
            if group is None:
                found.append(f"{here}: group {declared.group} is not declared in {self._file('group')} "
                             f"(known: {', '.join(self.groups) or 'none'})")
            elif group.answers != "round":
                found.append(f"{here}: group {declared.group} answers with codes from a coach "
                             f"(answers: {group.answers}), not in survey rounds")
            for ref in declared.instruments:
                if not any(i == ref for i, _ in self.instruments):
                    found.append(f"{here}: unknown instrument {ref}")
                elif (its := self.instrument(ref).respondent_group) != declared.group:
                    found.append(f"{here}: instrument {ref} is for the group {its}, not {declared.group}")
        return found


def shipped_files() -> list[Path]:
    return sorted(p for p in SHIPPED_DIR.rglob("*.yaml"))


@lru_cache(maxsize=1)
def shipped_catalog() -> Catalog:
    """The definitions that ship with Stegvis, validated (cached: files do not change while running)."""
    catalog = Catalog()
    for path in shipped_files():
        definition = load_file(path)
        if not isinstance(definition, TextPack):
            catalog.add(definition, _shown(path))
    problems = catalog.problems()
    if problems:
        raise StegvisError("\n".join(problems))
    return catalog


def validate_paths(paths: list[Path]) -> list[Definition]:
    """Validate files (all shipped ones when none given); raise with every problem found."""
    paths = paths or shipped_files()
    errors, loaded, good = [], [], []
    trees = []
    for path in paths:
        try:
            definition, tree = load_located(path)
            loaded.append(definition)
            trees.append(tree)
            good.append(path)
        except StegvisError as exc:
            errors.append(str(exc))
    catalog = shipped_catalog().copy() if paths != shipped_files() else Catalog()
    for path, definition, tree in zip(good, loaded, trees):
        if not isinstance(definition, TextPack):
            catalog.add(definition, _shown(path), tree)
    for definition in loaded:
        if isinstance(definition, TextPack):
            try:
                check_textpack(definition, catalog.instrument(definition.instrument, definition.version))
            except StegvisError as exc:
                errors.append(str(exc))
    errors.extend(catalog.problems())
    if errors:
        raise StegvisError("\n".join(errors))
    return loaded


def _shown(path: Path) -> str:
    """A definition file's name as messages show it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def canonical_json(definition: BaseModel) -> str:
    """The stored form of a definition: stable, so a changed file is detected by comparison."""
    empty_later = {name for name in LATER_FIELDS.get(type(definition), ()) if not getattr(definition, name)}
    return json.dumps(definition.model_dump(mode="json", by_alias=True, exclude=empty_later or None),
                      ensure_ascii=False, sort_keys=True)


def json_schema() -> dict:
    """JSON Schema of every kind of definition file, generated from the models."""
    from pydantic.json_schema import models_json_schema

    _, schema = models_json_schema(
        [(m, "validation") for m in FILE_KINDS],
        title="Stegvis definition files",
    )
    schema["anyOf"] = [{"$ref": f"#/$defs/{m.__name__}"} for m in FILE_KINDS]
    return schema
