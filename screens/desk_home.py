"""The desk's home: one big button per job, the review queue's count, today's expected cash."""

from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty

from common.i18n import N_
from common.money import format_eur
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.desk_more_jobs import DeskMoreJobs  # noqa: F401  (used by desk_home.kv)
from screens.wizard import show


@register_screen
class DeskHomeScreen(DeskScreen):
    screen_name = "desk_home"
    order = 201
    speech_text = N_("Librarian's desk.")

    operator = StringProperty("")
    review_count = NumericProperty(-1)  # -1: not counted yet
    expected_cash = StringProperty("")
    takeable = StringProperty("")  # "cart" | "application" | ""

    def reset(self) -> None:
        self.say("")
        self.review_count = -1
        self.expected_cash = self.takeable = self.operator = ""

    def refresh(self) -> None:
        desk = self.desk
        self.operator = desk.operator
        self.takeable = desk.takeable(self.services.visit)
        if desk.work is not None and desk.work.result_code == "taken-over":
            desk.work.show("")
        run(desk.review.items(), lambda items: setattr(self, "review_count", len(items)))
        run(desk.expected_cash(), lambda cents: setattr(self, "expected_cash", format_eur(cents)))

    def find_person(self) -> None:
        self.shell.screens["desk_find"].start()
        self.go("desk_find")

    def take_over(self) -> None:
        run(self.desk.take_over(self.services.visit), self._taken)

    def _taken(self, code: str) -> None:
        if code != "taken-over":
            self.say(code)
            return
        kind = self.desk.work.taken_over if self.desk.work else ""
        if kind == "cart":
            self.go("desk_cash")
            return
        # The form goes on in the resident's own screens, where the resident left it.
        from screens.wizard import wizard_of

        wizard = wizard_of(self.services)
        if wizard is not None and wizard.phase == "review":
            self.shell.screens["form_review"].refresh()
            show(self.shell, "form_review")
        else:
            self.shell.screens["form_step"].render(entering="first")
            show(self.shell, "form_step")

    def review(self) -> None:
        self.go("desk_review")

    def reprint(self) -> None:
        self.go("desk_reprint")

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import signed_in

        def home(s: DeskHomeScreen) -> None:
            signed_in(s)
            s.operator, s.review_count, s.expected_cash = "Anna Bērziņa", 3, format_eur(4250)

        def takeover(s: DeskHomeScreen) -> None:
            home(s)
            s.takeable = "application"

        return [GalleryState("", home), GalleryState("take-over", takeover)]
