"""Pydantic models of the definition files: instruments, programmes (insatser),
goals, respondent groups, the förbund's own survey rounds and text packs. The YAML is validated by these models, and the JSON Schema
editors use (`stegvis schema`) is generated from them.

Cross-references inside one file (an unknown item in a scale, a reversed item
outside its scale, overlapping bands) raise `DefinitionProblem`, which carries
the path inside the file so the loader can point at the line."""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from foundation.errors import StegvisError

Language = Literal["sv", "en"]
LANGUAGES: tuple[Language, ...] = ("sv", "en")
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class DefinitionProblem(ValueError):
    """A cross-reference error at `path` (relative to the model that raised it)."""

    def __init__(self, path: tuple, message: str):
        super().__init__(message)
        self.path = path
        self.message = message


# The genders a participant is registered with (participants.gender), in the order tables show them.
GENDERS = ("kvinna", "man", "annat", "vill_inte_uppge")

class UnknownId(StegvisError, KeyError):
    """A lookup by id that the definition does not have; the message names both."""

    def __str__(self) -> str:
        return str(self.args[0])


def _by_id(entries) -> dict:
    return {entry.id: entry for entry in entries}


def _find(table: dict, ident: str, what: str, owner: str):
    try:
        return table[ident]
    except (KeyError, TypeError):
        known = ", ".join(table) or "none"
        raise UnknownId(f"{owner} has no {what} {ident!r} (known: {known})") from None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalText(Strict):
    """A text in Swedish, optionally in English; a plain string means Swedish."""

    sv: str = Field(min_length=1)
    en: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_string_is_swedish(cls, value):
        return {"sv": value} if isinstance(value, str) else value

    def get(self, lang: str = "sv") -> str:
        return (self.en if lang == "en" else None) or self.sv


class License(Strict):
    owner: str
    terms: str
    apply_at: str = Field(description="Where to apply for permission")
    requires_permission: bool = Field(
        description="If true, the instrument cannot be opened for participants until an "
        "administrator has recorded the permission and installed a text pack"
    )


class ScaleStep(Strict):
    value: int
    label: LocalText


class ResponseScale(Strict):
    """The answer steps of scale items: whole numbers from `min` to `max`."""

    id: Slug
    min: int
    max: int
    steps: list[ScaleStep] = Field(default_factory=list, description="Labels for some or all steps")
    dont_know: LocalText | None = Field(
        None, description="Label of an extra 'vet ej / ej aktuellt' answer, excluded from scores"
    )

    @model_validator(mode="after")
    def _check(self):
        if self.min >= self.max:
            raise DefinitionProblem(("max",), f"max ({self.max}) must be greater than min ({self.min})")
        for i, step in enumerate(self.steps):
            if not self.min <= step.value <= self.max:
                raise DefinitionProblem(
                    ("steps", i, "value"), f"step {step.value} is outside {self.min}–{self.max}"
                )
        _no_duplicates([s.value for s in self.steps], ("steps",), "step value")
        return self


class EndLabels(Strict):
    low: LocalText
    high: LocalText


class Choice(Strict):
    id: Slug
    label: LocalText
    other_text: bool = Field(False, description="Asks for free text ('annat, nämligen …') when chosen")


class ShowIf(Strict):
    """Show an item only when an earlier item's answer matches."""

    item: Slug
    equals: str | int | None = None
    in_: list[str | int] | None = Field(None, alias="in")
    at_least: float | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("equals", "in_", "at_least") if getattr(self, k) is not None]
        if len(given) != 1:
            raise DefinitionProblem((), "show_if needs exactly one of equals, in, at_least")
        return self

    def holds(self, answer) -> bool:
        """Whether an earlier answer (None when unanswered) makes the item visible."""
        if answer is None:
            return False
        values = answer if isinstance(answer, list) else [answer]
        if self.equals is not None:
            return any(str(v) == str(self.equals) for v in values)
        if self.in_ is not None:
            wanted = {str(v) for v in self.in_}
            return any(str(v) in wanted for v in values)
        try:
            return any(float(v) >= self.at_least for v in values)
        except (TypeError, ValueError):
            return False


ItemKind = Literal["scale", "single_choice", "multiple_choice", "yes_no", "free_text", "number", "date"]
YES_NO = (
    Choice(id="ja", label=LocalText(sv="Ja", en="Yes")),
    Choice(id="nej", label=LocalText(sv="Nej", en="No")),
)


class Item(Strict):
    id: Slug
    kind: ItemKind
    text: LocalText = Field(description="Question text; placeholder wording for licensed instruments")
    help: LocalText | None = None
    scale: Slug | None = Field(None, description="Response scale id (kind: scale)")
    end_labels: EndLabels | None = Field(None, description="The item's own labels for the lowest and highest step")
    choices: list[Choice] = Field(default_factory=list)
    min: float | None = Field(None, description="Smallest allowed answer (kind: number)")
    max: float | None = Field(None, description="Largest allowed answer (kind: number)")
    skippable: bool | None = Field(None, description="Overrides the instrument's allow_skip")
    show_if: ShowIf | None = None
    indicator: Slug | None = Field(None, description="Indicator id this item serves")

    @model_validator(mode="after")
    def _check(self):
        if self.kind == "scale" and self.scale is None:
            raise DefinitionProblem(("scale",), f"item {self.id} is a scale item but names no response scale")
        if self.kind != "scale" and (self.scale or self.end_labels):
            raise DefinitionProblem(("scale",), f"item {self.id}: only scale items take scale/end_labels")
        if self.kind in ("single_choice", "multiple_choice") and not self.choices:
            raise DefinitionProblem(("choices",), f"item {self.id} ({self.kind}) needs choices")
        if self.kind not in ("single_choice", "multiple_choice") and self.choices:
            raise DefinitionProblem(("choices",), f"item {self.id}: only choice items take choices")
        _no_duplicates([c.id for c in self.choices], ("choices",), "choice id")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise DefinitionProblem(("max",), f"item {self.id}: max is below min")
        return self

    def options(self) -> tuple[Choice, ...]:
        return YES_NO if self.kind == "yes_no" else tuple(self.choices)


class Band(Strict):
    """An interpretation band with inclusive integer bounds as published. A prorated
    score between two bands belongs to the lower one."""

    id: Slug
    label: LocalText
    min: float | None = None
    max: float | None = None
    text: LocalText | None = None


class Flag(Strict):
    """A threshold that carries interpretation text for the coach."""

    id: Slug
    label: LocalText
    below: float | None = Field(None, description="Fires when the score is below this value")
    at_least: float | None = Field(None, description="Fires when the score is at least this value")
    text: LocalText

    @model_validator(mode="after")
    def _one_threshold(self):
        if (self.below is None) == (self.at_least is None):
            raise DefinitionProblem((), f"flag {self.id} needs exactly one of below, at_least")
        return self


class ReliableChange(Strict):
    """Jacobson–Truax: a change is reliable when |Δ| / (sd·√2·√(1−alpha)) ≥ 1.96."""

    alpha: float = Field(gt=0, lt=1, description="Reliability (Cronbach's alpha)")
    sd: float = Field(gt=0, description="Reference standard deviation")
    source: str | None = None


class Scale(Strict):
    """A score computed from items: reversal, sum or mean, prorating."""

    id: Slug
    label: LocalText
    items: list[Slug] = Field(min_length=1)
    reversed: list[Slug] = Field(default_factory=list)
    method: Literal["sum", "mean"] = "sum"
    max_missing: int = Field(0, ge=0, description="Items that may be missing; they take the mean of the answered ones")
    bands: list[Band] = Field(default_factory=list)
    flags: list[Flag] = Field(default_factory=list)
    reliable_change: ReliableChange | None = None

    @model_validator(mode="after")
    def _check(self):
        _no_duplicates(self.items, ("items",), "item")
        for i, item in enumerate(self.reversed):
            if item not in self.items:
                raise DefinitionProblem(
                    ("reversed", i), f"reversed item {item} is not among scale {self.id}'s items"
                )
        if self.max_missing >= len(self.items):
            raise DefinitionProblem(("max_missing",), f"max_missing must be below the {len(self.items)} items")
        _no_duplicates([b.id for b in self.bands], ("bands",), "band id")
        for i, band in enumerate(self.bands):
            if band.min is not None and band.max is not None and band.min > band.max:
                raise DefinitionProblem(("bands", i), f"band {band.id}: min {band.min} is above max {band.max}")
        ordered = sorted(enumerate(self.bands), key=lambda ib: -float("inf") if ib[1].min is None else ib[1].min)
        for (_, lower), (j, upper) in zip(ordered, ordered[1:]):
            lower_top = float("inf") if lower.max is None else lower.max
            upper_bottom = -float("inf") if upper.min is None else upper.min
            if upper_bottom <= lower_top:
                raise DefinitionProblem(
                    ("bands", j), f"band {upper.id} overlaps band {lower.id} in scale {self.id}"
                )
        _no_duplicates([f.id for f in self.flags], ("flags",), "flag id")
        return self


class Indicator(Strict):
    """An indicator result from the items tagged with its id."""

    id: Slug
    label: LocalText
    aggregation: Literal["mean", "share_at_least"] = "mean"
    cut: float | None = Field(None, description="With share_at_least: an answer at or above this counts")

    @model_validator(mode="after")
    def _cut(self):
        if (self.aggregation == "share_at_least") != (self.cut is not None):
            raise DefinitionProblem(("cut",), f"indicator {self.id}: cut goes with share_at_least, and only with it")
        return self


class CurrentDesired(Strict):
    """A life area rated twice: where the participant is now, and wants to be."""

    id: Slug
    label: LocalText
    current: Slug
    desired: Slug


class Instrument(Strict):
    id: Slug
    version: int = Field(ge=1)
    title: LocalText
    description: LocalText | None = None
    intro: LocalText | None = Field(None, description="Shown before the first question")
    respondent_group: Slug = Field(
        "deltagare", description="Who answers: a group id of the groups file (groups.yaml)")
    license: License | None = None
    allow_skip: bool = True
    participant_view: Literal["always", "coach_shares", "never"] = Field(
        "always", description="Whether participants see their own results: always, when the coach shares them, never"
    )
    notice: LocalText | None = Field(None, description="Shown beside results, e.g. 'not a diagnosis'")
    response_scales: list[ResponseScale] = Field(default_factory=list)
    items: list[Item] = Field(min_length=1)
    scales: list[Scale] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
    current_desired: list[CurrentDesired] = Field(default_factory=list)
    board_choices: list[Slug] = Field(default_factory=list, description=(
        "Choice questions whose answers the board sees, counted over answers and protected like every "
        "figure (seed 004's follow-up: the kinds of contact, the support needed)"))

    @model_validator(mode="after")
    def _check(self):
        _no_duplicates([s.id for s in self.response_scales], ("response_scales",), "response scale id")
        kinds = {i.id: i.kind for i in self.items}
        for n, ref in enumerate(self.board_choices):
            if kinds.get(ref) not in ("single_choice", "multiple_choice", "yes_no"):
                raise DefinitionProblem(("board_choices", n), f"board_choices names {ref}, which is "
                                        + ("not an item" if ref not in kinds else f"a {kinds[ref]} item")
                                        + ": the board sees the answers to choice questions only")
        _no_duplicates([i.id for i in self.items], ("items",), "item id")
        _no_duplicates([s.id for s in self.scales], ("scales",), "scale id")
        _no_duplicates([i.id for i in self.indicators], ("indicators",), "indicator id")
        scales = {s.id for s in self.response_scales}
        indicators = {i.id for i in self.indicators}
        seen: dict[str, Item] = {}
        for n, item in enumerate(self.items):
            if item.scale and item.scale not in scales:
                raise DefinitionProblem(("items", n, "scale"), f"item {item.id} uses unknown response scale {item.scale}")
            if item.indicator and item.indicator not in indicators:
                raise DefinitionProblem(
                    ("items", n, "indicator"), f"item {item.id} serves unknown indicator {item.indicator}"
                )
            if item.show_if and item.show_if.item not in seen:
                raise DefinitionProblem(
                    ("items", n, "show_if", "item"),
                    f"item {item.id}: show_if refers to {item.show_if.item}, which is not an earlier item",
                )
            seen[item.id] = item
        for n, scale in enumerate(self.scales):
            if scale.id in seen:
                raise DefinitionProblem(("scales", n, "id"), f"scale {scale.id} has the id of an item; "
                                        "scores and answers are read side by side, so the ids must differ")
            for i, item_id in enumerate(scale.items):
                if item_id not in seen:
                    raise DefinitionProblem(("scales", n, "items", i), f"scale {scale.id} names unknown item {item_id}")
                if seen[item_id].kind != "scale":
                    raise DefinitionProblem(
                        ("scales", n, "items", i), f"scale {scale.id}: item {item_id} is not a scale item"
                    )
        for n, pair in enumerate(self.current_desired):
            for key in ("current", "desired"):
                ref = getattr(pair, key)
                if ref not in seen or seen[ref].kind != "scale":
                    raise DefinitionProblem(
                        ("current_desired", n, key), f"area {pair.id}: {ref} is not a scale item of this instrument"
                    )
        for n, indicator in enumerate(self.indicators):
            if not any(i.indicator == indicator.id for i in self.items):
                raise DefinitionProblem(("indicators", n), f"indicator {indicator.id} has no items tagged with it")
        return self

    # Lookups used by scoring and the survey session: UnknownId names what is missing.
    @cached_property
    def items_by_id(self) -> dict[str, Item]:
        return _by_id(self.items)

    def item(self, item_id: str) -> Item:
        return _find(self.items_by_id, item_id, "item", f"instrument {self.id}")

    def response_scale(self, scale_id: str) -> ResponseScale:
        return _find(_by_id(self.response_scales), scale_id, "response scale", f"instrument {self.id}")

    def item_range(self, item_id: str) -> tuple[int, int]:
        scale = self.response_scale(self.item(item_id).scale)
        return scale.min, scale.max

    def scale(self, scale_id: str) -> Scale:
        return _find(_by_id(self.scales), scale_id, "scale", f"instrument {self.id}")

    @property
    def headline_scale(self) -> Scale | None:
        """The scale that sums the instrument up where one number is shown: the one with a
        reliable-change reference, else the first declared; None without scales."""
        return next((s for s in self.scales if s.reliable_change), self.scales[0] if self.scales else None)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


class Outcome(Strict):
    """An exit outcome category (avslutsorsak)."""

    id: Slug
    label: LocalText


class OutcomeIn(Strict):
    kind: Literal["outcome_in"]
    outcomes: list[Slug] = Field(min_length=1)


class ScaleChange(Strict):
    """Paired change of one participant's scale score between two occasions."""

    kind: Literal["scale_change"]
    instrument: Slug
    scale: Slug
    from_occasion: Slug | None = Field(None, description="Default: the earliest occasion giving the instrument")
    to_occasion: Slug | None = Field(None, description="Default: the exit occasion giving it (else the latest)")
    reliable: bool = Field(False, description="Count only reliable improvement (Jacobson–Truax)")


class AnswerAtLeast(Strict):
    kind: Literal["answer_at_least"]
    instrument: Slug
    item: Slug
    value: float
    occasion: Slug | None = None


class IndicatorShare(Strict):
    """The share of a group's respondents (a round's, or participants') whose own mean over the
    items tagged with an indicator is at or above the indicator's cut: the NNS indicators as a
    goal ("Medarbetare skall uppleva …"). Counted over answers, which are anonymous in a round,
    so it has no breakdowns."""

    kind: Literal["indicator_share"]
    instrument: Slug
    indicator: Slug


FOLLOWUP_STATUSES = ("arbete", "studier", "varken")  # seed 004's Bilaga 7: in work, in studies, neither


class EventDuring(Strict):
    """Had any of these events between start and exit (or the period's end, if still in): Porten's
    "påbörjar anställning/studier" counts work or studies begun during the programme."""

    kind: Literal["event"]
    events: list[Slug] = Field(min_length=1)


class StatusAt(Strict):
    """The status recorded at a follow-up occasion after exit is one of these (Efterstöd: kept
    the job or the studies). Counts those with a status recorded at that occasion."""

    kind: Literal["followup_status"]
    occasion: Slug
    statuses: list[Literal["arbete", "studier", "varken"]] = Field(min_length=1)


class DurationWithin(Strict):
    """Exited within this many months (Jobbvägen AR: 6–12 months per person)."""

    kind: Literal["duration_within"]
    min_months: int = Field(0, ge=0)
    max_months: int = Field(gt=0)


class ScaleBelow(Strict):
    """The score on a scale at an occasion is below a threshold (Porten: KASAM total under 100)."""

    kind: Literal["scale_below"]
    instrument: Slug
    scale: Slug
    below: float
    occasion: Slug


class PartiesAtLeast(Strict):
    """At least this many parties active around the person (Jobbvägen AR: at least two)."""

    kind: Literal["parties"]
    at_least: int = Field(ge=1)


class CountIn(Strict):
    """How many started (`enrolled`) or left (`exited`) in the period, against a number for
    `per_months` months (Jobbvägen AR: about 45 participants per 12 months). The number is
    scaled to the period's length in months and rounded: 15 in a tertial, 45 in a year."""

    kind: Literal["count"]
    counts: Literal["enrolled", "exited"]
    at_least: int = Field(ge=1)
    per_months: int = Field(12, ge=1, le=120)

    def target_for(self, months: int) -> int:
        return max(1, int(self.at_least * months / self.per_months + 0.5))


class DurationMean(Strict):
    """The mean time in the programme, in months, of those who left in the period lies within
    the range (Jobbvägen AR: 6–12 months per person)."""

    kind: Literal["duration_mean"]
    min_months: float = Field(0, ge=0)
    max_months: float = Field(gt=0)


Numerator = Annotated[Union[OutcomeIn, ScaleChange, AnswerAtLeast, IndicatorShare, EventDuring, StatusAt,
                            DurationWithin, ScaleBelow, PartiesAtLeast, CountIn, DurationMean],
                      Field(discriminator="kind")]
Breakdown = Literal["gender", "age_group", "time_in_programme"]
WHOLE_FIGURE_KINDS = {"indicator_share": "counts answers, not people", "count": "is one count of the period",
                      "duration_mean": "is one mean of the period"}


class Goal(Strict):
    id: Slug
    label: LocalText
    population: Literal["exited", "all", "active"] = Field(
        "exited", description="Participants counted: those who exited in the period, all enrolled, or still active"
    )
    numerator: Numerator
    target: float | None = Field(None, ge=0, le=1, description="Target share, 0–1 (a count or a mean goal "
                                 "carries its number in the numerator instead)")
    breakdowns: list[Breakdown] = Field(default_factory=lambda: ["gender"])

    @model_validator(mode="before")
    @classmethod
    def _whole_figures_have_no_breakdowns(cls, data):
        """An indicator goal counts anonymous answers: no gender or age to break them down by. A
        count or a mean is one figure of the period, set against a number, not a share."""
        kind = data["numerator"].get("kind") if isinstance(data, dict) and isinstance(data.get("numerator"), dict) \
            else None
        if isinstance(kind, str) and kind in WHOLE_FIGURE_KINDS:  # any other kind is the union's to refuse
            if data.get("breakdowns"):
                raise DefinitionProblem(("breakdowns",), f"goal {data.get('id')}: a {kind} goal "
                                        f"{WHOLE_FIGURE_KINDS[kind]}, so it has no breakdowns")
            data = {**data, "breakdowns": []}
        return data

    @model_validator(mode="after")
    def _target_where_it_belongs(self):
        if self.measure == "share" and self.target is None:
            raise DefinitionProblem(("target",), f"goal {self.id} needs a target: the share to reach, 0–1")
        if self.measure != "share" and self.target is not None:
            raise DefinitionProblem(("target",), f"goal {self.id}: a {self.numerator.kind} goal has its number "
                                    "in the numerator (at_least, or min_months and max_months), not a target share")
        if isinstance(self.numerator, DurationMean) and self.numerator.min_months > self.numerator.max_months:
            raise DefinitionProblem(("numerator", "min_months"), f"goal {self.id}: min_months is above max_months")
        return self

    @property
    def measure(self) -> str:
        """What is set against the target: a share of people (most goals), a count, or a mean."""
        return {"count": "count", "duration_mean": "mean"}.get(self.numerator.kind, "share")

    @property
    def over_answers(self) -> bool:
        """Counted over survey answers (indicator goals), not over participants."""
        return isinstance(self.numerator, IndicatorShare)


class Occasion(Strict):
    """When an instrument is given: relative to the start, the midpoint (half the planned
    period), the exit, or the turn of each year while the participant is in (year_end: 31
    December). A follow-up after exit, or at the year end, may record a status (work, studies,
    neither), by the coach or from the answer to a survey item (`status_item`)."""

    id: Slug
    label: LocalText
    anchor: Literal["start", "midpoint", "exit", "year_end"] = "start"
    offset_months: int = 0
    repeat_months: int | None = Field(None, gt=0, description="Repeats every n months until exit or the maximum")
    instruments: list[Slug] = Field(default_factory=list)
    records_status: bool = Field(False, description="A follow-up: the coach (or a survey) records work, studies "
                                 "or neither")
    status_item: Slug | None = Field(None, description="The item of one of the occasion's instruments whose answer "
                                     "is the status: a single choice of arbete, studier and varken")


class Declared(Strict):
    """An entry of a programme's own list (a referring party, an event)."""

    id: Slug
    label: LocalText


class EventKind(Declared):
    """Something that can happen during the programme, recorded with its date and, if the
    programme asks, a value (hours a week, the new benefit level …)."""

    value_label: LocalText | None = None


# The columns the registry export writes beside a programme's own fields: a field may not take their names.
REGISTRY_COLUMNS = ("respondent", "programme_id", "started_on", "exited_on", "outcome", "gender", "birth_year")


class RegistryField(Strict):
    """A background or exit field the programme records about each participant for national
    reporting (the follow-up system SUS, an ESF report): the main source of income at start
    and at exit, education level, time without work. A choice (with its declared choices: an
    explicit "okänd" or "vill inte uppge" is a choice like any other) or a whole number."""

    id: Slug
    label: LocalText
    when: Literal["start", "exit"] = Field(description="Recorded at registration (start) or in the exit form (exit)")
    kind: Literal["choice", "number"]
    choices: list[Declared] = Field(default_factory=list, description="The answers a choice field allows")
    min: int | None = Field(None, description="Smallest allowed value (kind: number)")
    max: int | None = Field(None, description="Largest allowed value (kind: number)")
    required: bool = Field(True, description="Must be given at registration or exit (a choice starts empty: "
                           "give it an explicit 'okänd' choice rather than leaving it out)")

    @model_validator(mode="after")
    def _check(self):
        if self.id in REGISTRY_COLUMNS:
            raise DefinitionProblem(("id",), f"field {self.id}: the export has a column of that name already "
                                    f"({', '.join(REGISTRY_COLUMNS)}); choose another id")
        if self.kind == "choice":
            if len(self.choices) < 2:
                raise DefinitionProblem(("choices",), f"field {self.id} is a choice: declare at least two choices")
            if self.min is not None or self.max is not None:
                raise DefinitionProblem(("min",), f"field {self.id}: only number fields take min and max")
            _no_duplicates([c.id for c in self.choices], ("choices",), "choice id")
        else:
            if self.choices:
                raise DefinitionProblem(("choices",), f"field {self.id}: only choice fields take choices")
            if self.min is None or self.max is None:
                raise DefinitionProblem((), f"field {self.id} is a number: give it min and max")
            if self.min >= self.max:
                raise DefinitionProblem(("max",), f"field {self.id}: max ({self.max}) must be greater than min "
                                        f"({self.min})")
        return self

    def choice_label(self, choice_id: str, lang: str = "sv") -> str:
        return _find(_by_id(self.choices), choice_id, "choice", f"field {self.id}").label.get(lang)


def _default_parties() -> list[Declared]:
    return [Declared(id=i, label=LocalText(sv=sv, en=en)) for i, sv, en in (
        ("arbetsformedlingen", "Arbetsförmedlingen", "Public employment service"),
        ("forsakringskassan", "Försäkringskassan", "Social insurance agency"),
        ("kommun", "Kommun/socialtjänst", "Municipality/social services"),
        ("region", "Region/vården", "Region/health care"),
        ("annan", "Annan", "Other"))]


class RespondentGroup(Strict):
    """A group that answers surveys: participants (codes from their coach) or a group asked in
    survey rounds (staff, the board, managers, referrers, employers …), declared in the groups
    file so a förbund's own group needs no code."""

    id: Slug
    label: LocalText = Field(description="The group's name on the pages and in the board report")
    answers: Literal["participant", "round"] = Field(
        description="participant: a coach opens a visit for one participant; round: single-use anonymous "
        "codes of a survey round")


class Groups(Strict):
    """The groups file: every respondent group instruments may name."""

    groups: list[RespondentGroup] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self):
        _no_duplicates([g.id for g in self.groups], ("groups",), "group id")
        return self


class DeclaredRound(Strict):
    """A survey round made every year in a given month: the administrator's to-do offers it
    from that month until a round with this id has been made that year."""

    id: Slug = Field(description="Stays the same every year; a round made from it carries it")
    group: Slug = Field(description="The respondent group asked (answers: round in the groups file)")
    instruments: list[Slug] = Field(min_length=1, description="Instruments of that group, asked in this order")
    month: int = Field(ge=1, le=12, description="The month (1–12) the round is due each year")
    invited: int | None = Field(None, ge=1, le=2000, description="How many are usually invited (a suggestion)")

    @model_validator(mode="after")
    def _check(self):
        _no_duplicates(self.instruments, ("instruments",), "instrument")
        return self


def _no_duplicate_rounds(rounds: list[DeclaredRound]) -> None:
    _no_duplicates([r.id for r in rounds], ("rounds",), "round id")


class Forbund(Strict):
    """The förbund's own definitions that belong to no programme: rounds for the whole förbund
    (managers in the member organisations, referrers, the board of the förbund)."""

    rounds: list[DeclaredRound] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self):
        _no_duplicate_rounds(self.rounds)
        return self


class AgeGroup(Strict):
    id: Slug
    label: LocalText
    min_age: int | None = None
    max_age: int | None = None


class DurationBand(Strict):
    id: Slug
    label: LocalText
    min_months: int
    max_months: int | None = None


def _default_age_groups() -> list[AgeGroup]:
    return [
        AgeGroup(id="age_under_30", label=LocalText(sv="under 30 år", en="under 30"), max_age=29),
        AgeGroup(id="age_30_plus", label=LocalText(sv="30 år och äldre", en="30 and over"), min_age=30),
    ]


def _default_duration_bands() -> list[DurationBand]:
    return [
        DurationBand(id="m0_6", label=LocalText(sv="0–6 mån", en="0–6 months"), min_months=0, max_months=6),
        DurationBand(id="m7_12", label=LocalText(sv="7–12 mån", en="7–12 months"), min_months=7, max_months=12),
        DurationBand(id="m13_24", label=LocalText(sv="13–24 mån", en="13–24 months"), min_months=13, max_months=24),
        DurationBand(id="m25_plus", label=LocalText(sv="25 mån –", en="25 months +"), min_months=25),
    ]


class Programme(Strict):
    """A programme (insats): its occasions, outcome categories and goals."""

    id: Slug
    version: int = Field(ge=1)
    name: LocalText
    description: LocalText | None = None
    max_duration_months: int | None = Field(None, gt=0)
    planned_duration_months: int | None = Field(None, gt=0, description="Planned time; the midpoint is half of it")
    occasions: list[Occasion] = Field(min_length=1)
    referral_parties: list[Declared] = Field(default_factory=_default_parties,
                                             description="Who refers people to the programme")
    parties: list[Declared] = Field(default_factory=_default_parties,
                                    description="Parties that can be active around a participant")
    events: list[EventKind] = Field(default_factory=list, description="What can happen during the programme")
    outcomes: list[Outcome] = Field(min_length=1)
    goals: list[Goal] = Field(default_factory=list)
    age_groups: list[AgeGroup] = Field(default_factory=_default_age_groups)
    duration_bands: list[DurationBand] = Field(default_factory=_default_duration_bands)
    rounds: list[DeclaredRound] = Field(default_factory=list, description="Survey rounds made every year for "
                                        "this programme (staff, board, employers …)")
    registry_fields: list[RegistryField] = Field(
        default_factory=list, description="Background and exit fields recorded for national reporting (SUS, ESF), "
        "written by `stegvis export registry`")

    @model_validator(mode="after")
    def _check(self):
        _no_duplicates([o.id for o in self.occasions], ("occasions",), "occasion id")
        _no_duplicate_rounds(self.rounds)
        _no_duplicates([o.id for o in self.outcomes], ("outcomes",), "outcome id")
        _no_duplicates([g.id for g in self.goals], ("goals",), "goal id")
        outcomes = {o.id for o in self.outcomes}
        occasions = {o.id for o in self.occasions}
        for n, goal in enumerate(self.goals):
            num = goal.numerator
            if isinstance(num, OutcomeIn):
                for i, outcome in enumerate(num.outcomes):
                    if outcome not in outcomes:
                        raise DefinitionProblem(
                            ("goals", n, "numerator", "outcomes", i),
                            f"goal {goal.id} names unknown outcome {outcome}",
                        )
            for key in ("from_occasion", "to_occasion", "occasion"):
                ref = getattr(num, key, None)
                if ref is not None and ref not in occasions:
                    raise DefinitionProblem(
                        ("goals", n, "numerator", key), f"goal {goal.id} names unknown occasion {ref}"
                    )
            if isinstance(num, EventDuring):
                events = {e.id for e in self.events}
                for i, event in enumerate(num.events):
                    if event not in events:
                        raise DefinitionProblem(("goals", n, "numerator", "events", i),
                                                f"goal {goal.id} names unknown event {event} (declare it under events)")
            if isinstance(num, StatusAt) and not self.occasion(num.occasion).records_status:
                raise DefinitionProblem(("goals", n, "numerator", "occasion"),
                                        f"goal {goal.id}: occasion {num.occasion} records no status "
                                        "(give it records_status: true)")
            if isinstance(num, DurationWithin) and num.min_months > num.max_months:
                raise DefinitionProblem(("goals", n, "numerator", "min_months"),
                                        f"goal {goal.id}: min_months is above max_months")
        _no_duplicates([e.id for e in self.events], ("events",), "event id")
        _no_duplicates([p.id for p in self.referral_parties], ("referral_parties",), "referral party id")
        _no_duplicates([p.id for p in self.parties], ("parties",), "party id")
        _no_duplicates([f.id for f in self.registry_fields], ("registry_fields",), "registry field id")
        for n, occasion in enumerate(self.occasions):
            if occasion.anchor == "midpoint" and not (self.planned_duration_months or self.max_duration_months):
                raise DefinitionProblem(("occasions", n, "anchor"), f"occasion {occasion.id} is at the midpoint, "
                                        "which is half of planned_duration_months (or max_duration_months): set one")
            if occasion.records_status and occasion.anchor not in ("exit", "year_end"):
                raise DefinitionProblem(("occasions", n, "records_status"),
                                        f"occasion {occasion.id} records a follow-up status, so it is anchored at "
                                        "exit or at the year end")
            if occasion.status_item and not (occasion.records_status and occasion.instruments):
                raise DefinitionProblem(("occasions", n, "status_item"),
                                        f"occasion {occasion.id}: a status_item needs records_status: true and the "
                                        "instrument that asks it")
            if occasion.anchor == "year_end" and occasion.repeat_months:
                raise DefinitionProblem(("occasions", n, "repeat_months"),
                                        f"occasion {occasion.id} is at every year end already: no repeat_months")
        return self

    def registry_field(self, field_id: str) -> RegistryField:
        return _find(_by_id(self.registry_fields), field_id, "registry field", f"programme {self.id}")

    def registry_fields_at(self, when: str) -> list[RegistryField]:
        """The fields recorded at registration (`start`) or at exit (`exit`), in declared order."""
        return [f for f in self.registry_fields if f.when == when]

    def event(self, event_id: str) -> EventKind:
        return _find(_by_id(self.events), event_id, "event", f"programme {self.id}")

    @property
    def midpoint_months(self) -> float | None:
        """Half the planned period (or of the maximum, when no plan is declared)."""
        planned = self.planned_duration_months or self.max_duration_months
        return planned / 2 if planned else None

    def outcome_label(self, outcome_id: str, lang: str = "sv") -> str:
        return _find(_by_id(self.outcomes), outcome_id, "outcome", f"programme {self.id}").label.get(lang)

    def occasion(self, occasion_id: str) -> Occasion:
        return _find(_by_id(self.occasions), occasion_id, "occasion", f"programme {self.id}")

    def change_occasions(self, instrument_id: str) -> tuple[str, str] | None:
        """The two occasions a change in an instrument's scores is measured between: the
        earliest occasion that gives it counted from the start, and the exit occasion that
        gives it (or, without one, the latest counted from the start). None when fewer than
        two occasions give it. Goals and the board name occasions by these anchors, so a
        programme's own occasion ids (intake, inskrivning, uppfoljning_3m …) need no code."""
        using = [o for o in self.occasions if instrument_id in o.instruments]
        starts = sorted((o for o in using if o.anchor == "start"), key=lambda o: o.offset_months)
        exits = [o for o in using if o.anchor == "exit"]
        first = starts[0] if starts else None
        last = exits[0] if exits else (starts[-1] if len(starts) > 1 else None)
        return (first.id, last.id) if first and last and first.id != last.id else None

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


class TextPackItem(Strict):
    text: str = Field(min_length=1)
    low: str | None = Field(None, description="End label of the lowest step, for items that have them")
    high: str | None = None


class TextPack(Strict):
    """Licensed wording for one instrument and language, loaded by an organisation that holds permission."""

    instrument: Slug
    version: int | None = Field(None, description="Instrument version; omitted means any version with the same items")
    language: Language
    source: Literal["licensed", "demo"] = "licensed"
    title: str | None = None
    items: dict[str, TextPackItem]


def _no_duplicates(values: list, path: tuple, what: str) -> None:
    for value, count in Counter(values).items():
        if count > 1:
            second = [i for i, v in enumerate(values) if v == value][1]
            raise DefinitionProblem(path + (second,), f"duplicate {what} {value}")
