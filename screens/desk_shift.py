"""The desk's cash shift: open it with the float; close it by counting notes and coins on a
keypad, one denomination at a time, with the expected cash, the counted cash and the difference on
screen before "Close the shift"; a difference needs a reason. Then the Z report is printed and the
cash handed to the collector (name and bag number typed here) with its slip in two copies.
The rules and the gateway calls are kiosk.desk.shift's (docs/architecture.md, "Counters, shifts
and statistics")."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, OptionProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from common.i18n import N_, gettext
from common.money import format_eur
from kiosk.desk import (
    DIFFERENCE_REASONS,
    SHIFT_MESSAGES,
    ShiftDesk,
    ShiftError,
    counters_of,
    message,
    reason_text,
    shift_of,
)
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.keyboard import LetterKeyboard  # noqa: F401  (used by desk_shift.kv)
from screens.keypad import CLEAR, ERASE, Keypad  # noqa: F401  (used by desk_shift.kv)
from screens.widgets import TR, KToggle

Phase = ("loading", "none", "open", "count", "closed", "done")


class DenominationKey(KToggle):
    value_cents = NumericProperty(0)
    count = NumericProperty(0)


class ReasonChoice(KToggle):
    msgid = StringProperty("")


class HandoverField(KToggle):
    field = StringProperty("")
    value = StringProperty("")
    caption = StringProperty("")


@register_screen
class DeskShiftScreen(DeskScreen):
    screen_name = "desk_shift"
    order = 208
    speech_text = N_("Cash shift.")

    phase = OptionProperty("loading", options=Phase)
    working = BooleanProperty(False)
    float_cents = NumericProperty(0)
    opened = StringProperty("")  # who opened it and when
    over_midnight = BooleanProperty(False)
    expected_cents = NumericProperty(-1)
    counted_cents = NumericProperty(0)
    reason = StringProperty("")
    collector = StringProperty("")
    bag_no = StringProperty("")
    field = StringProperty("collector")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.denominations: dict[int, DenominationKey] = {}
        from common.desk_counters import DENOMINATIONS

        for value in DENOMINATIONS:
            key = DenominationKey(value_cents=value)
            key.bind(on_release=lambda k: self.select(int(k.value_cents)))
            self.denominations[value] = key
            self.ids.denominations.add_widget(key)
        self.reasons: dict[str, ReasonChoice] = {}
        for msgid in DIFFERENCE_REASONS:
            choice = ReasonChoice(msgid=msgid)
            choice.bind(on_release=lambda c: self.choose_reason(c.msgid))
            self.reasons[msgid] = choice
            self.ids.reasons.add_widget(choice)
        # Only the current phase's part is in the widget tree: a hidden (disabled) widget would
        # still swallow the touches meant for the visible one.
        # (`ids` are weak proxies: the parts are kept here by their real objects.)
        ids = self.ids
        self._parts = {"none": ids.open_box.__self__, "open": ids.open_shift_box.__self__,
                       "count": ids.count_box.__self__, "closed": ids.handover_box.__self__,
                       "done": ids.handover_box.__self__}
        self._inputs = {"keypad": ids.keypad.__self__, "keyboard": ids.keyboard.__self__}
        ids.left.clear_widgets()
        ids.right.clear_widgets()
        self.bind(phase=self._arrange, field=self._arrange)
        self._arrange()

    def _arrange(self, *_args: Any) -> None:
        left, right = self.ids.left, self.ids.right
        part = self._parts.get(self.phase)
        if part is None or part.parent is not left:
            left.clear_widgets()
            if part is not None:
                left.add_widget(part)
        wanted = ("keyboard" if self.phase == "closed" and self.field == "collector"
                  else "keypad" if self.phase in ("none", "count", "closed") else "")
        # The letter keyboard needs most of the width for 15 mm keys; the keypad a third of it.
        left.size_hint_x, right.size_hint_x = (0.22, 0.78) if wanted == "keyboard" else (0.68, 0.32)
        current = right.children[0] if right.children else None
        if current is not self._inputs.get(wanted):
            right.clear_widgets()
            if wanted:
                right.add_widget(self._inputs[wanted])

    @property
    def flow(self) -> ShiftDesk:
        return shift_of(self.services.backend)

    # -- messages: the shift's own codes first, then the desk's ------------------------------
    def _retranslate(self) -> None:
        code = self._code
        self.notice = (gettext(SHIFT_MESSAGES[code], TR.lang, **self._params) if code in SHIFT_MESSAGES
                       else message(code, TR.lang, **self._params) if code else "")

    def reset(self) -> None:
        self.phase, self.working = "loading", False
        self.float_cents = self.counted_cents = 0
        self.expected_cents = -1
        self.opened = self.reason = self.collector = self.bag_no = ""
        self.field = "collector"
        self.over_midnight = False
        self.say("")

    def refresh(self) -> None:
        self.phase = "loading"
        self._work(self.flow.check(), self._checked)

    def _work(self, coro: Any, done: Any) -> None:
        self.working = True

        async def guarded() -> Any:
            try:
                return await coro
            except ShiftError as exc:
                return exc

        def finished(result: Any) -> None:
            self.working = False
            if isinstance(result, ShiftError):
                self.say(result.code)
                return
            done(result)

        run(guarded(), finished)

    def _checked(self, state: str) -> None:
        flow = self.flow
        self.over_midnight = flow.over_midnight
        self._show_shift()
        self.phase = "none" if state == "none" else "open"
        self.say("over-midnight" if flow.over_midnight else "")

    def _show_shift(self) -> None:
        shift = self.flow.shift
        if shift is not None:
            from common.clock import RIGA

            at = shift.opened_at.astimezone(RIGA).strftime("%d.%m.%Y %H:%M")
            self.opened = f"{shift.opened_by}, {at}"
            self.expected_cents = shift.expected_cash_cents

    # -- opening -----------------------------------------------------------------------------
    def on_keypad(self, value: str) -> None:
        if self.phase == "none":
            self.float_cents = _typed(self.float_cents, value, 9_999_99)
        elif self.phase == "count":
            count = self.flow.count
            {ERASE: count.erase, CLEAR: count.clear}.get(value, lambda: count.type_digit(value))()
            self._show_count()
        elif self.phase == "closed" and self.field == "bag_no":
            self.bag_no = {ERASE: self.bag_no[:-1], CLEAR: ""}.get(value, (self.bag_no + value)[:20])

    def open_shift(self) -> None:
        self._work(self.flow.open(int(self.float_cents)), lambda _s: self._opened())

    def _opened(self) -> None:
        self._show_shift()
        self.phase = "open"
        self.say("")

    # -- counting and closing ----------------------------------------------------------------
    def start_count(self) -> None:
        self.flow.count.reset()
        self.reason = ""
        self._work(self.flow.expected(), self._counting)

    def _counting(self, expected: int) -> None:
        self.expected_cents = expected
        self.phase = "count"
        self.select(self.flow.count.selected)
        self._show_count()
        self.say("")

    def select(self, value_cents: int) -> None:
        self.flow.count.select(value_cents)
        for value, key in self.denominations.items():
            key.active = value == value_cents

    def _show_count(self) -> None:
        for value, key in self.denominations.items():
            key.count = self.flow.count.counts[value]
        self.counted_cents = self.flow.count.total_cents

    @property
    def difference_cents(self) -> int:
        return self.counted_cents - self.expected_cents if self.expected_cents >= 0 else 0

    def choose_reason(self, msgid: str) -> None:
        self.reason = msgid
        for key, choice in self.reasons.items():
            choice.active = key == msgid

    def close_shift(self) -> None:
        if self.counted_cents != self.expected_cents and not self.reason:
            self.say("reason-required")
            return
        reason = reason_text(self.reason) if self.counted_cents != self.expected_cents else ""
        self._work(self.flow.close(reason, lang=TR.lang), lambda _c: self._closed())

    def _closed(self) -> None:
        self.phase = "closed"
        self.field = "collector"
        self.say("z-printed")

    # -- handing over ------------------------------------------------------------------------
    def choose_field(self, name: str) -> None:
        self.field = name

    def on_letter(self, text: str) -> None:
        if self.field == "collector":
            self.collector = (self.collector + text)[:120]
        else:
            self.bag_no = (self.bag_no + text)[:20]

    def on_backspace(self) -> None:
        if self.field == "collector":
            self.collector = self.collector[:-1]
        else:
            self.bag_no = self.bag_no[:-1]

    def hand_over(self) -> None:
        if not self.collector.strip() or not self.bag_no.strip():
            self.say("handover-needs")
            return
        self._work(self.flow.hand_over(collector=self.collector.strip(), bag_no=self.bag_no.strip(),
                                       lang=TR.lang), lambda _h: self._handed())

    def _handed(self) -> None:
        self.phase = "done"
        self.say("handover-printed")

    def finish(self) -> None:
        self.flow.forget()
        self.reset()
        self.desk_home()

    def eur(self, cents: int) -> str:
        return format_eur(int(cents))

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import signed_in

        def opening(s: DeskShiftScreen) -> None:
            signed_in(s)
            s.phase, s.float_cents = "none", 5000

        def counting(s: DeskShiftScreen) -> None:
            signed_in(s)
            s.phase, s.opened, s.expected_cents = "count", "Anna Bērziņa, 27.11.2026 09:02", 4990
            for value, n in ((2000, 2), (500, 1), (200, 2), (10, 4)):
                s.flow.count.counts[value] = n
            s.select(500)
            s._show_count()
            s.choose_reason(DIFFERENCE_REASONS[0])

        def handover(s: DeskShiftScreen) -> None:
            counting(s)
            s.phase, s.collector, s.bag_no = "closed", "Jānis Bērziņš", "457"
            s.say("z-printed")

        def midnight(s: DeskShiftScreen) -> None:
            signed_in(s)
            s.phase, s.over_midnight, s.opened, s.expected_cents = "open", True, "Anna Bērziņa, 26.11.2026 09:02", 6990
            s.say("over-midnight")

        return [GalleryState("open", opening), GalleryState("count", counting), GalleryState("handover", handover),
                GalleryState("over-midnight", midnight)]


def _typed(cents: int, key: str, limit: int) -> int:
    if key == ERASE:
        return cents // 10
    if key == CLEAR:
        return 0
    value = cents * 10 + int(key)
    return value if value <= limit else cents


class DeskMoreJobs(BoxLayout):
    """The desk home's row for the counters, the shift and the statistics; the shift's button
    warns when a shift was left open over midnight (checked at every sign-in)."""

    screen = ObjectProperty(None, allownone=True, rebind=True)
    over_midnight = BooleanProperty(False)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._watched: ShiftDesk | None = None

    def on_screen(self, *_args: Any) -> None:
        Clock.schedule_once(self._watch, 0)

    def _watch(self, _dt: float = 0) -> None:
        backend = getattr(getattr(self.screen, "services", None), "backend", None)
        if backend is None or self._watched is not None:
            return
        self._watched = shift_of(backend)
        self._watched.observe(self._update)
        counters_of(backend)  # sends counter taps left in the journal (kiosk.desk.counters)
        self._update()

    def _update(self) -> None:
        self.over_midnight = bool(self._watched and self._watched.over_midnight)

    def open(self, name: str) -> None:
        self._watch()
        self.screen.go(name)
