"""KF1 form definitions: the model, its checks, and the loader (docs/architecture.md, "Applications").

A definition is data written by the municipality, so it is checked when loaded: pydantic for the
shape (unknown keys are errors, so a typo like `requird` cannot silently make a field optional),
then the cross-references (routing targets, conditions, choices: `common.forms.consistency`), and
each field's `datatype` names a row of the field-type registry. A broken file is
reported with the JSON path of the problem and skipped; the other forms still load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from common.forms.consistency import DefinitionProblem, semantic_problems
from common.forms.field_types import Datatype, FieldType, field_type

LANGS = ("lv", "en", "ru")

_CODE = r"^[a-z][a-z0-9_]{0,39}$"


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
    def field_type(self) -> FieldType:
        """This field's row of the type registry: checker, schema, display, input kind."""
        return field_type(self.datatype)

    @property
    def is_sensitive(self) -> bool:
        return self.sensitive or self.field_type.sensitive

    @property
    def is_input(self) -> bool:
        return self.field_type.takes_answer

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
        """The Open311-like services list row (the gateway's `GET /services`)."""
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
class DefinitionError(ValueError):
    """A definition that cannot be used; `problems` names each broken key by JSON pointer."""

    def __init__(self, problems: list[DefinitionProblem], source: str = "") -> None:
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


def parse_definition(data: Any, source: str = "") -> FormDefinition:
    """Validate one definition (already parsed JSON); raises DefinitionError naming every problem."""
    if not isinstance(data, dict):
        raise DefinitionError([DefinitionProblem("", "a form definition is a JSON object")], source)
    try:
        form = FormDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [DefinitionProblem(_pointer(e["loc"]), e["msg"]) for e in exc.errors()]
        raise DefinitionError(problems, source) from None
    problems = semantic_problems(form)
    if problems:
        raise DefinitionError(problems, source)
    return form


def load_form(path: Path) -> FormDefinition:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError([DefinitionProblem("", f"cannot read: {exc}")], str(path)) from None
    except json.JSONDecodeError as exc:
        raise DefinitionError([DefinitionProblem("", f"not JSON: line {exc.lineno} column {exc.colno}: "
                                                     f"{exc.msg}")], str(path)) from None
    form = parse_definition(data, str(path))
    if path.stem != form.service_code:
        raise DefinitionError([DefinitionProblem("/service_code", f"must match the file name {path.stem!r}")],
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
