"""The form step's gallery states: a wizard on a shipped form with demo answers filled in up to
the question shown (also used by the GUI tests to reach a question quickly)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.applications import ApplicationWizard, application_visit, shipped_forms

if TYPE_CHECKING:
    from screens.base import KioskScreen

DEMO_ANSWERS: dict[str, dict[str, Any]] = {
    "heating-allowance": {"full_name": "Jānis Bērziņš", "personal_code": "120375-12340",
                          "address": "Zosēni, \"Ābeles\"", "phone": "20000000",
                          "household_size": "3", "income_status": "low_income",
                          "monthly_income": "640,00", "income_sources": ["pension"],
                          "heating_type": "wood", "firewood_m3": "12,5", "payment_method": "cash",
                          "declaration": True},
    "excavation-permit": {"cadastral_number": "42010020123", "location_description": "Zosēni",
                          "purpose": "water"},
    "general-application": {"subject": "Ceļa remonts", "text": "Lūdzu salabot ceļu pie skolas.",
                            "full_name": "Anna Ozola", "reply_channel": "library"},
}


def demo_wizard(screen: KioskScreen, service_code: str, upto: str | None = None) -> ApplicationWizard:
    """A wizard on the shipped form with demo answers for every field before `upto`."""
    wizard = application_visit(screen.services).start(shipped_forms()[service_code])
    answers = DEMO_ANSWERS.get(service_code, {})
    while wizard.phase == "steps":
        for f in wizard.visible_fields():
            if f.code == upto:
                return wizard
            if f.is_input and f.code in answers:
                wizard.set_answer(f.code, answers[f.code])
        for f in wizard.visible_fields():  # fields an answer above has just shown
            if f.is_input and f.code in answers and f.code not in wizard.answers:
                wizard.set_answer(f.code, answers[f.code])
        if not wizard.next():
            break
    return wizard


def _demo(screen: Any, service_code: str, code: str, *, typed: str = "",
          layout: str | None = None, press_next: bool = False) -> None:
    demo_wizard(screen, service_code, upto=code)
    screen.keyboard.reset(screen.services.visit.language)
    screen.begin_at(code)
    if layout:
        screen.keyboard.layout = layout
    for ch in typed:  # as the keys would type it (and clear the message)
        if screen.answer is not None:
            screen.answer.dispatch("on_key", ch)
    if press_next:
        screen.next()

