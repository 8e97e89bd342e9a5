"""KF1 form definitions: the model (docs/architecture.md, "Applications").

A definition is data written by the municipality, so it is checked when loaded
(`common.forms.loading`): pydantic for the shape defined here (unknown keys are errors, so a typo
like `requird` cannot silently make a field optional), then the cross-references
(`common.forms.consistency`); each field's `datatype` names a row of the field-type registry.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
