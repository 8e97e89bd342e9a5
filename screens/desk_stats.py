"""This library's statistics at the desk: the month per day and the year per month as bar charts
drawn with Kivy graphics (no web view), and the period's totals per kind. The numbers are the
gateway's (kiosk.desk.counters.library_statistics); docs/architecture.md, "Counters, shifts and
statistics"."""

from __future__ import annotations

from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Rectangle
from kivy.properties import ListProperty, StringProperty
from kivy.uix.widget import Widget

from common.clock import RIGA
from common.desk_counters import COLUMN_LABELS, COLUMNS, PAYMENTS
from common.i18n import N_, gettext
from common.money import format_eur
from kiosk.desk import Bars, library_statistics
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.widgets import THEME, TR, KToggle


class BarChart(Widget):
    """Bars with their value above and their label below, redrawn when data or size change."""

    bars = ListProperty([])  # [(label, value)]
    font_name = StringProperty("Roboto")

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.bind(bars=self._draw, size=self._draw, pos=self._draw)
        THEME.bind(palette=self._draw)

    def _text(self, text: str, size: float) -> Any:
        label = CoreLabel(text=text, font_size=size)
        label.refresh()
        return label.texture

    def _draw(self, *_args: Any) -> None:
        self.canvas.clear()
        if not self.bars or self.width <= 0:
            return
        palette = THEME.palette
        font = max(12.0, min(22.0, self.height / 14))
        label_h, value_h = font * 1.6, font * 1.6
        plot_h = max(1.0, self.height - label_h - value_h)
        slot = self.width / len(self.bars)
        peak = max((v for _l, v in self.bars), default=0) or 1
        with self.canvas:
            for i, (label, value) in enumerate(self.bars):
                h = plot_h * value / peak
                x = self.x + i * slot + slot * 0.15
                Color(*palette["primary"])
                Rectangle(pos=(x, self.y + label_h), size=(slot * 0.7, h))
                Color(*palette["fg"])
                for text, y in ((str(label), self.y), (str(value), self.y + label_h + h)):
                    if text == "0" and y != self.y:
                        continue
                    tex = self._text(text, font)
                    Rectangle(texture=tex, size=tex.size, pos=(x + slot * 0.35 - tex.width / 2, y))


class MeasureChoice(KToggle):
    column = StringProperty("")
    msgid = StringProperty("")


@register_screen
class DeskStatsScreen(DeskScreen):
    screen_name = "desk_stats"
    order = 209
    speech_text = N_("This library's statistics.")

    column = StringProperty(PAYMENTS)
    month_title = StringProperty("")
    year_title = StringProperty("")
    totals = StringProperty("")

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.choices: dict[str, MeasureChoice] = {}
        for column in ("client-served", PAYMENTS, "applications", "consultations", "letter", "call",
                       "document-received", "document-sent"):
            choice = MeasureChoice(column=column, msgid=COLUMN_LABELS[column])
            choice.bind(on_release=lambda c: self.choose(c.column))
            self.choices[column] = choice
            self.ids.measures.add_widget(choice)
        self._data: tuple[Bars, Bars] | None = None
        TR.bind(lang=lambda *_a: self._show())

    def reset(self) -> None:
        self.column = PAYMENTS
        self._data = None
        self.ids.month_chart.bars = []
        self.ids.year_chart.bars = []
        self.month_title = self.year_title = self.totals = ""
        self.say("")

    def refresh(self) -> None:
        for column, choice in self.choices.items():
            choice.active = column == self.column
        today = self.services.clock.now().astimezone(RIGA).date()
        gateway = self.services.backend.gateway
        coro = library_statistics(gateway, self.desk.session.token(), today, self.column)

        async def guarded() -> Any:
            try:
                return await coro
            except Exception as exc:
                return getattr(exc, "code", "unexpected")

        run(guarded(), self._loaded)

    def choose(self, column: str) -> None:
        self.column = column
        self.refresh()

    def _loaded(self, result: Any) -> None:
        if isinstance(result, str):
            self.say(result)
            return
        self._data = result
        self.say("")
        self._show()

    def _show(self) -> None:
        if self._data is None:
            return
        month, year = self._data
        lang = TR.lang
        what = gettext(COLUMN_LABELS[self.column], lang)
        self.month_title = gettext(N_("{what} in {period}, by day"), lang, what=what, period=month.title_period)
        self.year_title = gettext(N_("{what} in {period}, by month"), lang, what=what, period=year.title_period)
        self.ids.month_chart.bars = list(month.bars)
        self.ids.year_chart.bars = list(year.bars)
        lines = [f"{gettext(COLUMN_LABELS[c], lang)}: {year.totals.get(c, 0)}" for c in COLUMNS
                 if not c.startswith("consultation:")]
        lines.append(gettext(N_("Paid by card"), lang) + ": " + format_eur(year.card_cents))
        lines.append(gettext(N_("Paid in cash"), lang) + ": " + format_eur(year.cash_cents))
        self.totals = gettext(N_("This year"), lang) + " — " + ";  ".join(lines)

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import signed_in

        def sample(s: DeskStatsScreen) -> None:
            signed_in(s)
            month = Bars("2026-11", tuple((str(d), (d * 7) % 5) for d in range(1, 31)), {}, 0, 0)
            totals = {c: 40 + 13 * i for i, c in enumerate(COLUMNS)}
            year = Bars("2026", tuple((f"{m:02d}", 20 + (m * 17) % 23) for m in range(1, 13)), totals, 61240, 12780)
            s._data = (month, year)
            s._show()

        return [GalleryState("", sample)]
