"""The desk's cash shift: open it with the float; close it by counting notes and coins on a
keypad, one denomination at a time, with the expected cash, the counted cash and the difference on
screen before "Close the shift"; a difference needs a reason. Then the Z report is printed and the
cash handed to the collector (name and bag number typed here) with its slip in two copies.
The screen forwards taps to `kiosk.desk.shift_close.ShiftClose` (the phases and their rules) and
mirrors its state into the widgets; the requests and papers are kiosk.desk.shift's
(docs/architecture.md, "Counters, shifts and statistics")."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, OptionProperty, StringProperty

from common.desk_counters import DENOMINATIONS
from common.i18n import N_, gettext
from common.money import format_eur
from kiosk.desk import DIFFERENCE_REASONS, SHIFT_MESSAGES, shift_of
from kiosk.desk.messages import message
from kiosk.desk.shift_close import PHASES, ShiftClose, Work
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.keyboard import LetterKeyboard  # noqa: F401  (used by desk_shift.kv)
from screens.keypad import Keypad  # noqa: F401  (used by desk_shift.kv)
from screens.widgets import TR, KToggle


class DenominationKey(KToggle):
    value_cents = NumericProperty(0)
    count = NumericProperty(0)


class ReasonChoice(KToggle):
    msgid = StringProperty("")


@register_screen
class DeskShiftScreen(DeskScreen):
    screen_name = "desk_shift"
    order = 208
    speech_text = N_("Cash shift.")

    # Mirrors of the ShiftClose's state, for kv to bind to.
    phase = OptionProperty("loading", options=PHASES)
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
        self.closing = ShiftClose(lambda: shift_of(self.services.backend), changed=self._show)
        self.bind(phase=self._arrange, field=self._arrange)
        self._arrange()

    # -- mirroring the core's state --------------------------------------------------------------
    def _show(self) -> None:
        c = self.closing
        self.phase, self.working, self.float_cents = c.phase, c.working, c.float_cents
        self.opened, self.over_midnight, self.expected_cents = c.opened, c.over_midnight, c.expected_cents
        self.reason, self.collector, self.bag_no, self.field = c.reason, c.collector, c.bag_no, c.field
        for msgid, choice in self.reasons.items():
            choice.active = msgid == c.reason
        if c.phase in ("count", "closed", "done"):  # the count is the backend's ShiftDesk's
            self._show_count()
        else:
            self.counted_cents = 0
        if c.code != self._code:
            self.say(c.code)

    def _show_count(self) -> None:
        c = self.closing
        counts, selected = c.counts, c.selected
        for value, key in self.denominations.items():
            key.count = counts[value]
            key.active = value == selected
        self.counted_cents = c.counted_cents

    def _arrange(self, *_args: Any) -> None:
        left, right = self.ids.left, self.ids.right
        part = self._parts.get(self.phase)
        if part is None or part.parent is not left:
            left.clear_widgets()
            if part is not None:
                left.add_widget(part)
        wanted = self.closing.input_wanted
        # The letter keyboard needs most of the width for 15 mm keys; the keypad a third of it.
        left.size_hint_x, right.size_hint_x = (0.22, 0.78) if wanted == "keyboard" else (0.68, 0.32)
        current = right.children[0] if right.children else None
        if current is not self._inputs.get(wanted):
            right.clear_widgets()
            if wanted:
                right.add_widget(self._inputs[wanted])

    # -- messages: the shift's own codes first, then the desk's ------------------------------
    def _retranslate(self) -> None:
        code = self._code
        self.notice = (gettext(SHIFT_MESSAGES[code], TR.lang, **self._params) if code in SHIFT_MESSAGES
                       else message(code, TR.lang, **self._params) if code else "")

    # -- taps, forwarded ---------------------------------------------------------------------------
    def reset(self) -> None:
        self.closing.reset()

    def refresh(self) -> None:
        self._run(self.closing.refresh())

    def _run(self, work: Work | None) -> None:
        if work is not None:
            run(work)

    def on_keypad(self, value: str) -> None:
        self.closing.type_key(value)

    def open_shift(self) -> None:
        self._run(self.closing.open_shift())

    def start_count(self) -> None:
        self._run(self.closing.start_count())

    def select(self, value_cents: int) -> None:
        self.closing.select(value_cents)

    def choose_reason(self, msgid: str) -> None:
        self.closing.choose_reason(msgid)

    def close_shift(self) -> None:
        self._run(self.closing.close_shift(TR.lang))

    def choose_field(self, name: str) -> None:
        self.closing.choose_field("bag_no" if name == "bag_no" else "collector")

    def on_letter(self, text: str) -> None:
        self.closing.type_letter(text)

    def on_backspace(self) -> None:
        self.closing.erase_letter()

    def hand_over(self) -> None:
        self._run(self.closing.hand_over(TR.lang))

    def finish(self) -> None:
        self.closing.finish()
        self.desk_home()

    def eur(self, cents: int) -> str:
        return format_eur(int(cents))

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import signed_in

        def opening(s: DeskShiftScreen) -> None:
            signed_in(s)
            c = s.closing
            c.phase, c.float_cents = "none", 5000
            s._show()

        def counting(s: DeskShiftScreen) -> None:
            signed_in(s)
            c = s.closing
            c.phase, c.opened, c.expected_cents = "count", "Anna Bērziņa, 27.11.2026 09:02", 4990
            for value, n in ((2000, 2), (500, 1), (200, 2), (10, 4)):
                c.counts[value] = n
            c.select(500)
            c.choose_reason(DIFFERENCE_REASONS[0])

        def handover(s: DeskShiftScreen) -> None:
            counting(s)
            c = s.closing
            c.phase, c.collector, c.bag_no, c.code = "closed", "Jānis Bērziņš", "457", "z-printed"
            s._show()

        def midnight(s: DeskShiftScreen) -> None:
            signed_in(s)
            c = s.closing
            c.phase, c.over_midnight, c.opened, c.expected_cents = "open", True, "Anna Bērziņa, 26.11.2026 09:02", 6990
            c.code = "over-midnight"
            s._show()

        return [GalleryState("open", opening), GalleryState("count", counting), GalleryState("handover", handover),
                GalleryState("over-midnight", midnight)]
