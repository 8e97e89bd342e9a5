"""Find by person, in two steps: the ID check (which document the librarian checked, and why the
person is looked up), then the personal code on the keypad, checked by `common.personal_code`
before anything is sent (kiosk.desk.work.PersonLookup)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, OptionProperty, StringProperty

from common.i18n import N_
from kiosk.desk import ID_DOCUMENTS, LOOKUP_REASONS
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.keypad import CLEAR, ERASE, Keypad  # noqa: F401  (used by desk_find.kv)
from screens.widgets import KToggle


class DeskChoice(KToggle):
    value = StringProperty("")
    msgid = StringProperty("")


@register_screen
class DeskFindScreen(DeskScreen):
    screen_name = "desk_find"
    order = 202
    speech_text = N_("Find a person's invoices.")

    step = OptionProperty("id", options=["id", "code"])
    document = StringProperty("")
    reason = StringProperty("")
    code = StringProperty("")
    searching = BooleanProperty(False)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.documents = self._toggles(self.ids.documents, ID_DOCUMENTS, self.choose_document)
        self.reasons = self._toggles(self.ids.reasons, LOOKUP_REASONS, self.choose_reason)
        # Strong references: `ids` are weak, and a step off screen has no parent to keep it.
        self.steps = {"id": self.ids.id_step.__self__, "code": self.ids.code_step.__self__}
        self.ids.body.remove_widget(self.steps["code"])

    @staticmethod
    def _toggles(box: Any, choices: dict[str, str], action: Any) -> dict[str, DeskChoice]:
        made = {}
        for value, msgid in choices.items():
            btn = DeskChoice(value=value, msgid=msgid)
            btn.bind(on_release=lambda b: action(b.value))
            box.add_widget(btn)
            made[value] = btn
        return made

    def reset(self) -> None:
        self.searching = False
        self.say("")
        self.show_step("id")
        self.document = self.reason = self.code = ""

    def start(self) -> None:
        """A new search from the desk's home: the ID check first, every time."""
        work = self.desk.work
        if work is not None:
            work.lookup = type(work.lookup)()
        self.say("")
        self.show_step("id")

    def show_step(self, step: str) -> None:
        body = self.ids.body
        for name, widget in self.steps.items():
            if name != step and widget.parent is not None:
                body.remove_widget(widget)
        if self.steps[step].parent is None:
            body.add_widget(self.steps[step])
        self.step = step

    def refresh(self) -> None:
        work = self.desk.work
        if work is None:
            return
        lookup = work.lookup
        self.document, self.reason, self.code = lookup.document, lookup.reason, lookup.display
        for value, btn in self.documents.items():
            btn.active = value == lookup.document
        for value, btn in self.reasons.items():
            btn.active = value == lookup.reason

    # -- step 1: the ID check -------------------------------------------------------------------
    def choose_document(self, kind: str) -> None:
        if self.desk.work is not None:
            self.desk.work.lookup.choose_document(kind)
        self.say("")
        self.refresh()

    def choose_reason(self, reason: str) -> None:
        if self.desk.work is not None:
            self.desk.work.lookup.choose_reason(reason)
        self.refresh()

    def id_checked(self) -> None:
        if not self.document:
            self.say("choose-document")
            return
        self.say("")
        self.show_step("code")

    # -- step 2: the personal code --------------------------------------------------------------
    def on_keypad(self, value: str) -> None:
        work = self.desk.work
        if work is None:
            return
        lookup = work.lookup
        if value == ERASE:
            lookup.erase()
        elif value == CLEAR:
            lookup.clear()
        else:
            lookup.type_digit(value)
        self.say("")
        self.refresh()

    def find(self) -> None:
        work = self.desk.work
        if work is None or self.searching:
            return
        problem = work.lookup.check()
        if problem:
            self.say(problem)
            return
        if not self.guard.fresh_or_ask(self.find):
            return
        self.searching = True
        run(self.desk.find_person(), self._found)

    def _found(self, code: str) -> None:
        self.searching = False
        self.refresh()
        if code == "found":
            self.shell.screens["desk_person"].say("found")
            self.go("desk_person")
        elif code == "pin-stale":  # went stale while the screen asked: the PIN, then again
            self.guard.ask_pin(self.find)
        else:
            self.say(code)

    def go_back(self) -> None:
        if self.step == "code":
            self.show_step("id")
        else:
            self.desk_home()

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import signed_in

        def id_step(s: DeskFindScreen) -> None:
            signed_in(s)
            s.start()
            s.choose_document("id-card")

        def code(digits: str, problem: str = "") -> Any:
            def prepare(s: DeskFindScreen) -> None:
                id_step(s)
                s.id_checked()
                for d in digits:
                    s.on_keypad(d)
                if problem:
                    s.say(problem)
            return prepare

        return [GalleryState("", id_step), GalleryState("code", code("3218")),
                GalleryState("invalid", code("12037512341", "personal_code.checksum")),
                GalleryState("not-found", code("", "person-not-found"))]
