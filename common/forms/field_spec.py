"""What the field-type registry reads of a field: a protocol, not the definition model.

`field_types` and `checkers` check answers, make schema fragments and show values for a field;
the model of a field (`common.forms.definition.FieldDef`) names its row of that registry. If the
registry imported the model, the two would import each other; so the registry takes anything
with these attributes, and the model has them (docs/architecture.md, "Layers": no import cycles).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class LocalisedText(Protocol):
    """A user-facing text in every kiosk language (`definition.Text`)."""

    def get(self, lang: str) -> str: ...


class ChoiceSpec(Protocol):
    """One choice of a choice field (`definition.Choice`)."""

    @property
    def key(self) -> str: ...

    @property
    def name(self) -> LocalisedText: ...


class FieldSpec(Protocol):
    """A field as the registry reads it (`definition.FieldDef`)."""

    @property
    def datatype(self) -> str: ...

    @property
    def values(self) -> Sequence[ChoiceSpec] | None: ...

    @property
    def min(self) -> float | str | None: ...

    @property
    def max(self) -> float | str | None: ...

    @property
    def min_length(self) -> int | None: ...

    @property
    def max_length(self) -> int | None: ...

    @property
    def pattern(self) -> str | None: ...

    @property
    def must_be(self) -> bool | None: ...

    def choice(self, key: str) -> ChoiceSpec | None: ...
