"""The review queue: each case with the actions that resolve it; an action about money first asks
why (the reason goes into the journal with the librarian's name; kiosk.desk.review)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from common.clock import RIGA
from common.i18n import N_, gettext
from common.money import format_eur
from kiosk.desk import ACTIONS, DECISION_REASONS, KIND_TITLES, Kind, ReviewItem
from screens.base import GalleryState, register_screen
from screens.desk_common import DeskScreen, run
from screens.widgets import TR, KButton


class ReviewAction(KButton):
    action = StringProperty("")
    reason = StringProperty("")


class ReviewCard(BoxLayout):
    """One case: what it is, the details, and its action buttons (or, once an action that needs
    a reason was chosen, the reasons)."""

    screen = ObjectProperty(None)
    item = ObjectProperty(None)
    title = StringProperty("")
    details = StringProperty("")
    choosing = BooleanProperty(False)

    def show(self, item: ReviewItem, lang: str) -> None:
        self.item = item
        self.choosing = False
        self.title = gettext(KIND_TITLES[item.kind], lang)
        parts = []
        if item.amount_cents:
            parts.append(format_eur(item.amount_cents) + ("" if not item.method else
                                                          f" ({item.method})"))
        if item.receipt_no:
            parts.append(gettext("Receipt no. {number}", lang, number=item.receipt_no))
        elif item.reference and item.kind is not Kind.IDENTITY:
            parts.append(item.reference)
        if item.title:
            parts.append(item.title)
        parts.append(item.when.astimezone(RIGA).strftime("%d.%m.%Y %H:%M"))
        self.details = "  ·  ".join(parts) + (f"\n{item.note}" if item.note else "")
        self.buttons([(a, "") for a in item.actions], lang)

    def buttons(self, pairs: list[tuple[str, str]], lang: str) -> None:
        box = self.ids.actions
        box.clear_widgets()
        for action, reason in pairs:
            label = gettext(reason or ACTIONS[action], lang)
            btn = ReviewAction(action=action, reason=reason, label=label,
                               role="secondary" if reason else "primary")
            btn.bind(on_release=self._tapped)
            box.add_widget(btn)

    def _tapped(self, btn: ReviewAction) -> None:
        if btn.action in DECISION_REASONS and not btn.reason:
            self.choosing = True
            self.buttons([(btn.action, r) for r in DECISION_REASONS[btn.action]], TR.lang)
            return
        self.screen.act(self.item, btn.action, btn.reason)


@register_screen
class DeskReviewScreen(DeskScreen):
    screen_name = "desk_review"
    order = 205
    speech_text = N_("Review queue.")

    count = NumericProperty(-1)
    working = BooleanProperty(False)

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.items: list[ReviewItem] = []
        self.cards: list[ReviewCard] = []

    def reset(self) -> None:
        self.items = []
        self.ids.cards.clear_widgets()
        self.count = -1
        self.working = False
        self.say("")

    def refresh(self) -> None:
        run(self.desk.review.items(), self.show_items)

    def show_items(self, items: list[ReviewItem]) -> None:
        self.items = items
        self.count = len(items)
        box = self.ids.cards
        box.clear_widgets()
        while len(self.cards) < len(items):
            self.cards.append(ReviewCard(screen=self))
        for card, item in zip(self.cards, items, strict=False):
            card.show(item, TR.lang)
            box.add_widget(card)

    def act(self, item: ReviewItem, action: str, reason: str = "") -> None:
        if self.working:
            return
        self.working = True
        self.say("")
        run(self.desk.resolve(item, action, reason=reason, lang=TR.lang), self._done)

    def _done(self, code: str) -> None:
        self.working = False
        self.say(code)
        self.refresh()

    def go_back(self) -> None:
        self.desk_home()

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        from screens.desk_gallery import signed_in

        now = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
        samples = [
            ReviewItem(Kind.UNKNOWN, "t1", now, ("ask-terminal", "charged", "not-charged"),
                       amount_cents=4250, method="card", reference="U0100004",
                       note="terminal outcome unknown after the deadline"),
            ReviewItem(Kind.AWAITING, "t2", now + timedelta(minutes=5), ("send-now",),
                       amount_cents=1890, method="cash", receipt_no="demo-zoseni-1.1-000017",
                       note="posting deferred: operator-session-required"),
            ReviewItem(Kind.IDENTITY, "7F3A9C21D0", now + timedelta(minutes=9),
                       ("confirm-identity",), title="Pabalsts kurināmā iegādei"),
        ]

        def queue(s: DeskReviewScreen) -> None:
            signed_in(s)
            s.show_items(samples)

        def reasons(s: DeskReviewScreen) -> None:
            queue(s)
            card = s.cards[0]
            card._tapped(ReviewAction(action="charged"))

        def empty(s: DeskReviewScreen) -> None:
            signed_in(s)
            s.show_items([])
            s.say("review-empty")

        return [GalleryState("", queue), GalleryState("reasons", reasons),
                GalleryState("empty", empty)]
