"""Loading KF1 form definitions: parse, check, and read a folder of them (docs/architecture.md,
"Applications").

A definition is checked when loaded: pydantic for the shape (`common.forms.definition`), then the
cross-references (routing targets, conditions, choices: `common.forms.consistency`). A broken file
is reported with the JSON path of the problem and skipped; the other forms still load. Loading
lives apart from the model, so the checks may read the model without the model importing them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from common.forms.consistency import DefinitionProblem, semantic_problems
from common.forms.definition import FormDefinition


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
