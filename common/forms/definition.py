"""KF1 form definitions (standards.md §2): the model, its checks, and the loader.

A definition is data written by the municipality, so it is checked when loaded: pydantic for the
shape (unknown keys are errors, so a typo like `requird` cannot silently make a field optional),
then the cross-references (routing targets, conditions, choices, languages). A broken file is
reported with the JSON path of the problem and skipped; the other forms still load.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

LANGS = ("lv", "en", "ru")

Datatype = Literal[
    "string", "text", "integer", "number", "decimal", "date", "datetime", "boolean",
    "singlevaluelist", "multivaluelist", "email", "phone", "personal_code", "cadastral_number",
    "address", "amount", "iban", "info",
]
NUMERIC = {"integer", "number", "decimal", "amount"}
TEXTUAL = {"string", "text", "address"}
CHOICE = {"singlevaluelist", "multivaluelist"}
# Answers never printed on the acknowledgement nor written to logs, whatever the form says.
ALWAYS_SENSITIVE = {"personal_code", "iban"}

_CODE = r"^[a-z][a-z0-9_]{0,39}$"
_DURATION = re.compile(r"^P(?=\d)(\d+Y)?(\d+M)?(\d+D)?$")


class _Strict(BaseModel):
    # strict: "required": "yes" is an error, not True.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)


class Text(_Strict):
    """A user-facing text in every kiosk language."""

    lv: str = Field(min_length=1)
    en: str = Field(min_length=1)
    ru: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return getattr(self, lang) if lang in LANGS else self.lv

    @field_validator("lv", "en", "ru")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("empty text")
        return v


class Choice(_Strict):
    key: str = Field(pattern=_CODE)
    name: Text


class Condition(_Strict):
    """`{field, eq|ne|in|gt|lt}`: exactly one operator."""

    field: str = Field(pattern=_CODE)
    eq: Any = None
    ne: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    gt: float | None = None
    lt: float | None = None

    def operator(self) -> tuple[str, Any]:
        ops = [(name, getattr(self, attr)) for name, attr in
               (("eq", "eq"), ("ne", "ne"), ("in", "in_"), ("gt", "gt"), ("lt", "lt"))
               if attr in self.model_fields_set]
        if len(ops) != 1:
            raise ValueError("a condition needs exactly one of eq, ne, in, gt, lt")
        return ops[0]


class Route(_Strict):
    if_: Condition | None = Field(default=None, alias="if")
    goto: str | None  # null: the end (review)


class FieldDef(_Strict):
    code: str = Field(pattern=_CODE)
    datatype: Datatype
    label: Text
    help: Text | None = None
    required: bool = False
    values: list[Choice] | None = None
    min: float | str | None = None
    max: float | str | None = None
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=1, le=20000)
    pattern: str | None = None
    must_be: bool | None = None
    visible_if: Condition | None = None
    sensitive: bool = False

    @property
    def is_sensitive(self) -> bool:
        return self.sensitive or self.datatype in ALWAYS_SENSITIVE

    @property
    def is_input(self) -> bool:
        return self.datatype != "info"

    def choice(self, key: str) -> Choice | None:
        return next((c for c in self.values or () if c.key == key), None)


class Step(_Strict):
    id: str = Field(pattern=_CODE)
    title: Text | None = None
    fields: list[FieldDef] = Field(min_length=1)
    next: str | list[Route] | None = None


class Identity(_Strict):
    required_assurance: Literal["none", "librarian_checked_id", "eid"] = "none"
    allowed: list[Literal["none", "librarian_checked_id", "eid"]] = ["none"]


class Location(_Strict):
    mode: Literal["none", "address", "cadastral", "point"] = "none"


class Attachments(_Strict):
    max_files: int = Field(default=0, ge=0, le=20)
    max_mb: int = Field(default=10, ge=1, le=50)
    accept: list[str] = []


class FormDefinition(_Strict):
    format: Literal["kf1"]
    service_code: str = Field(pattern=r"^[a-z][a-z0-9-]{1,39}$")
    version: int = Field(ge=1)
    group: str = Field(pattern=_CODE)
    department: str = Field(pattern=_CODE)
    title: Text
    description: Text | None = None
    keywords: list[str] = []
    identity: Identity = Identity()
    location: Location = Location()
    attachments: Attachments = Attachments()
    legal_basis: Text | None = None
    steps: list[Step] = Field(min_length=1)
    service_notice: Text
    retention: str

    # -- lookups used by routing, validation and the flow --------------------------------------
    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(step_id)

    def field(self, code: str) -> FieldDef:
        for s in self.steps:
            for f in s.fields:
                if f.code == code:
                    return f
        raise KeyError(code)

    def fields(self) -> list[FieldDef]:
        return [f for s in self.steps for f in s.fields]

    def step_of(self, code: str) -> Step:
        for s in self.steps:
            if any(f.code == code for f in s.fields):
                return s
        raise KeyError(code)

    @property
    def needs_identity(self) -> bool:
        return self.identity.required_assurance != "none"

    def catalogue_entry(self) -> dict[str, Any]:
        """The Open311-like services list row (standards.md §1)."""
        return {
            "service_code": self.service_code,
            "version": self.version,
            "title": self.title.model_dump(),
            "description": self.description.model_dump() if self.description else None,
            "group": self.group,
            "department": self.department,
            "keywords": list(self.keywords),
            "identity": self.identity.required_assurance,
            "type": "batch" if self.needs_identity else "realtime",
        }

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


# -- errors ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    path: str  # JSON pointer into the definition, e.g. /steps/1/fields/0/label/ru
    reason: str

    def __str__(self) -> str:
        return f"{self.path or '/'}: {self.reason}"


class DefinitionError(ValueError):
    def __init__(self, problems: list[Problem], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__("; ".join(f"{where}{p}" for p in problems))


def _pointer(loc: tuple[Any, ...]) -> str:
    parts = []
    for p in loc:
        p = "in" if p == "in_" else ("if" if p == "if_" else p)
        # pydantic adds union branch names (e.g. "list[Route]") to the location; they are not
        # keys of the document.
        if isinstance(p, str) and ("[" in p or p in ("str", "float", "int", "bool")):
            continue
        parts.append(str(p).replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts) if parts else ""


# -- cross-reference checks --------------------------------------------------------------------
def _check_condition(cond: Condition, path: str, known: dict[str, FieldDef],
                     problems: list[Problem]) -> None:
    try:
        op, value = cond.operator()
    except ValueError as exc:
        problems.append(Problem(path, str(exc)))
        return
    target = known.get(cond.field)
    if target is None:
        problems.append(Problem(path + "/field",
                                f"unknown or later field {cond.field!r} (conditions may only use "
                                "fields asked before)"))
        return
    if op in ("gt", "lt") and target.datatype not in NUMERIC:
        problems.append(Problem(path + f"/{op}", f"{op} needs a numeric field, "
                                f"{cond.field!r} is {target.datatype}"))
    if target.datatype in CHOICE:
        keys = {c.key for c in target.values or ()}
        wanted = value if op == "in" else ([value] if op in ("eq", "ne") else [])
        for v in wanted:
            if v not in keys:
                problems.append(Problem(path + f"/{op}",
                                        f"{v!r} is not a choice of {cond.field!r}"))


def _check_field(f: FieldDef, path: str, problems: list[Problem]) -> None:
    dt = f.datatype
    if dt in CHOICE:
        if not f.values:
            problems.append(Problem(path + "/values", f"{dt} needs values"))
        else:
            keys = [c.key for c in f.values]
            for dup in sorted({k for k in keys if keys.count(k) > 1}):
                problems.append(Problem(path + "/values", f"duplicate choice key {dup!r}"))
    elif f.values is not None:
        problems.append(Problem(path + "/values", f"values are only for choices, not {dt}"))
    if f.must_be is not None and dt != "boolean":
        problems.append(Problem(path + "/must_be", "must_be is only for boolean fields"))
    if dt == "info" and f.required:
        problems.append(Problem(path + "/required", "an info field takes no answer"))
    for bound in ("min", "max"):
        v = getattr(f, bound)
        if v is None:
            continue
        if dt in ("date",):
            if not (isinstance(v, str) and (v == "today" or _is_iso_date(v))):
                problems.append(Problem(path + f"/{bound}", "a date bound is YYYY-MM-DD or 'today'"))
        elif dt in NUMERIC or dt == "multivaluelist":
            if isinstance(v, str):
                problems.append(Problem(path + f"/{bound}", "must be a number"))
            elif dt in ("integer", "amount", "multivaluelist") and v != int(v):
                problems.append(Problem(path + f"/{bound}", "must be a whole number"))
        else:
            problems.append(Problem(path + f"/{bound}", f"{bound} does not apply to {dt}"))
    if (isinstance(f.min, (int, float)) and isinstance(f.max, (int, float)) and f.min > f.max) or (
            isinstance(f.min, str) and isinstance(f.max, str) and "today" not in (f.min, f.max)
            and f.min > f.max):
        problems.append(Problem(path + "/min", "min is greater than max"))
    if (f.min_length is not None or f.max_length is not None) and dt not in TEXTUAL:
        problems.append(Problem(path + "/max_length" if f.max_length is not None
                                else path + "/min_length", f"length limits do not apply to {dt}"))
    if f.min_length is not None and f.max_length is not None and f.min_length > f.max_length:
        problems.append(Problem(path + "/min_length", "min_length is greater than max_length"))
    if f.pattern is not None:
        if dt not in TEXTUAL:
            problems.append(Problem(path + "/pattern", f"pattern does not apply to {dt}"))
        try:
            re.compile(f.pattern)
        except re.error as exc:
            problems.append(Problem(path + "/pattern", f"not a valid regular expression: {exc}"))


def _is_iso_date(v: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(v)
    except ValueError:
        return False
    return len(v) == 10


def semantic_problems(form: FormDefinition) -> list[Problem]:
    problems: list[Problem] = []
    order = {s.id: i for i, s in enumerate(form.steps)}
    seen_steps: set[str] = set()
    known: dict[str, FieldDef] = {}
    for si, step in enumerate(form.steps):
        sp = f"/steps/{si}"
        if step.id in seen_steps:
            problems.append(Problem(sp + "/id", f"duplicate step id {step.id!r}"))
        seen_steps.add(step.id)
        for fi, f in enumerate(step.fields):
            fp = f"{sp}/fields/{fi}"
            if f.code in known:
                problems.append(Problem(fp + "/code", f"duplicate field code {f.code!r}"))
            _check_field(f, fp, problems)
            if f.visible_if is not None:
                _check_condition(f.visible_if, fp + "/visible_if", known, problems)
                if f.visible_if.field == f.code:
                    problems.append(Problem(fp + "/visible_if", "a field cannot depend on itself"))
            known[f.code] = f
        routes: list[tuple[str, Route]] = []
        if isinstance(step.next, str):
            routes = [(sp + "/next", Route(goto=step.next))]
        elif isinstance(step.next, list):
            if not step.next:
                problems.append(Problem(sp + "/next", "an empty route list; use null for the end"))
            routes = [(f"{sp}/next/{ri}", r) for ri, r in enumerate(step.next)]
            if step.next and step.next[-1].if_ is not None:
                problems.append(Problem(f"{sp}/next/{len(step.next) - 1}",
                                        "the last route must have no 'if' (the default)"))
        for rp, route in routes:
            if route.if_ is not None:
                _check_condition(route.if_, rp + "/if", known, problems)
            if route.goto is None:
                continue
            if route.goto not in order:
                problems.append(Problem(rp + ("/goto" if rp.rsplit("/", 1)[-1].isdigit() else ""),
                                        f"unknown step {route.goto!r}"))
            elif order[route.goto] <= si:
                # Forward-only routing cannot loop, and makes "progress" a well-defined fraction.
                problems.append(Problem(rp + ("/goto" if rp.rsplit("/", 1)[-1].isdigit() else ""),
                                        f"step {route.goto!r} is not after {step.id!r}"))
    ident = form.identity
    if ident.required_assurance != "none" and ident.required_assurance not in ident.allowed:
        problems.append(Problem("/identity/allowed", "must include the required assurance"))
    if not _DURATION.match(form.retention):
        problems.append(Problem("/retention", "an ISO 8601 duration like P5Y or P18M"))
    if not any(f.is_input for f in form.fields()):
        problems.append(Problem("/steps", "a form needs at least one question"))
    return problems


def parse_definition(data: Any, source: str = "") -> FormDefinition:
    """Validate one definition (already parsed JSON); raises DefinitionError naming every problem."""
    if not isinstance(data, dict):
        raise DefinitionError([Problem("", "a form definition is a JSON object")], source)
    try:
        form = FormDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(_pointer(e["loc"]), e["msg"]) for e in exc.errors()]
        raise DefinitionError(problems, source) from None
    problems = semantic_problems(form)
    if problems:
        raise DefinitionError(problems, source)
    return form


def load_form(path: Path) -> FormDefinition:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([Problem("", f"cannot read: {exc}")], str(path)) from None
    except json.JSONDecodeError as exc:
        raise DefinitionError([Problem("", f"not JSON: line {exc.lineno} column {exc.colno}: "
                                           f"{exc.msg}")], str(path)) from None
    form = parse_definition(data, str(path))
    if path.stem != form.service_code:
        raise DefinitionError([Problem("/service_code", f"must match the file name {path.stem!r}")],
                              str(path))
    return form


def load_forms(directory: Path) -> tuple[dict[str, FormDefinition], list[DefinitionError]]:
    """Every `*.json` in directory: (service_code -> form, errors of the files that were skipped)."""
    forms: dict[str, FormDefinition] = {}
    errors: list[DefinitionError] = []
    for path in sorted(Path(directory).glob("*.json")):
        try:
            form = load_form(path)
        except DefinitionError as exc:
            errors.append(exc)
            continue
        forms[form.service_code] = form
    return forms, errors


def default_forms_dir() -> Path:
    from common.paths import config_data_dir

    return config_data_dir() / "forms"
