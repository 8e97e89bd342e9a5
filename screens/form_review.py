"""Review: every answer on the path, each with "Change"; then on to the privacy notice."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from common.i18n import N_
from screens.base import GalleryState, KioskScreen, register_screen
from screens.widgets import TR
from screens.wizard import show, wizard_of


class ReviewRow(BoxLayout):
    step_id = StringProperty("")
    code = StringProperty("")
    label = StringProperty("")
    value = StringProperty("")
    screen: FormReviewScreen | None = None


@register_screen
class FormReviewScreen(KioskScreen):
    screen_name = "form_review"
    order = 22
    speech_text = N_("Check your answers. To correct one, touch Edit next to it. When "
                     "everything is right, touch Continue.")

    form_title = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.rows: dict[str, ReviewRow] = {}
        TR.bind(_=lambda *_a: self.refresh())

    def reset(self) -> None:
        self.ids.answers_box.clear_widgets()
        self.rows = {}
        self.form_title = ""

    def refresh(self) -> None:
        wizard = wizard_of(self.services)
        box = self.ids.answers_box
        box.clear_widgets()
        self.rows = {}
        if wizard is None:
            return
        self.form_title = wizard.title()
        for item in wizard.review_items():
            row = ReviewRow(step_id=item.step_id, code=item.code, label=item.label,
                            value=item.value)
            row.screen = self
            box.add_widget(row)
            self.rows[item.code] = row
        self.ids.scroll.scroll_y = 1

    def change(self, step_id: str, code: str) -> None:
        wizard = wizard_of(self.services)
        if wizard is None:
            return
        wizard.change(step_id)
        step = self.shell.screens["form_step"]
        step.begin_at(code)
        show(self.shell, "form_step")

    def next(self) -> None:
        self.proceed()

    def proceed(self) -> None:
        privacy = self.shell.screens["privacy"]
        privacy.refresh()
        show(self.shell, "privacy")

    def go_back(self) -> None:
        wizard = wizard_of(self.services)
        if wizard is None or not wizard.back():
            show(self.shell, "application")
            return
        step = self.shell.screens["form_step"]
        step.render(entering="last")
        show(self.shell, "form_step")

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        return [GalleryState("", _demo_review)]


def _demo_review(screen: FormReviewScreen) -> None:
    from screens.form_step import demo_wizard

    demo_wizard(screen, "heating-allowance")
    screen.refresh()
