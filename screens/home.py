"""Home: three big choices, language, larger text and high contrast."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from common.i18n import LANGUAGES, N_
from screens.base import GalleryState, KioskScreen, register_screen, registered
from screens.desk_gesture import CornerHold
from screens.widgets import KButton, KToggle

# Endonyms, deliberately untranslated: a resident must find their language whatever is shown.
LANGUAGE_NAMES = {"lv": "Latviešu", "en": "English", "ru": "Русский"}


@dataclass(frozen=True)
class HomeChoice:
    key: str
    msgid: str
    target: str  # the first screen of the path; the choice is shown only once it is registered


CHOICES: tuple[HomeChoice, ...] = (
    HomeChoice("pay", N_("Pay invoices"), "find"),
    HomeChoice("apply", N_("Submit an application"), "application"),
    HomeChoice("librarian", N_("Ask the librarian"), "librarian"),
)


class ChoiceButton(KButton):
    msgid = StringProperty("")
    target = StringProperty("")


class LanguageToggle(KToggle):
    lang = StringProperty("")


@register_screen
class HomeScreen(KioskScreen):
    screen_name = "home"
    order = 0
    speech_text = N_(
        "Welcome. To pay an invoice, touch Pay invoices. To submit an application, touch "
        "Submit an application. If you need help, touch Ask the librarian. You can change the "
        "language, make the text larger or use high contrast at the bottom of the screen."
    )

    large_text = BooleanProperty(False)
    payments_ready = BooleanProperty(True)
    place = StringProperty("")  # the library and the municipality, from the config

    def __init__(self, shell: Any, **kw: Any) -> None:
        super().__init__(shell, **kw)
        self.show_back = False
        kiosk = shell.services.config.kiosk
        self.place = " \u00b7 ".join(part for part in (kiosk.location_name, kiosk.municipality) if part)
        available = registered()
        self.choices: dict[str, ChoiceButton] = {}
        for choice in CHOICES:
            if choice.target not in available:
                continue
            btn = ChoiceButton(msgid=choice.msgid, target=choice.target)
            btn.bind(on_release=self._on_choice)
            self.ids.choices.add_widget(btn)
            self.choices[choice.key] = btn
        configured = shell.services.config.kiosk.languages
        self.language_buttons: dict[str, LanguageToggle] = {}
        for lang in LANGUAGES:
            if lang in configured:
                btn = LanguageToggle(lang=lang, label=LANGUAGE_NAMES[lang])
                btn.bind(on_release=lambda b: self.set_language(b.lang))
                self.ids.languages.add_widget(btn)
                self.language_buttons[lang] = btn
        self.services.visit.observe(self._on_visit)
        self._watch_backend()
        # The librarian's desk: a long press in the configured corner (screens.desk_gesture).
        self.corner_hold = CornerHold(screen=self)
        self.add_widget(self.corner_hold)

    def _watch_backend(self) -> None:
        """Show a notice until start-up recovery has finished (payments wait for it)."""
        backend = self.services.backend
        self.payments_ready = backend is None or backend.ready.is_set()
        if not self.payments_ready:
            Clock.schedule_once(lambda _dt: self._watch_backend(), 0.2)

    def on_scan(self, text: str) -> None:
        """An invoice scanned on Home goes straight into the cart; an "outcome unknown" slip is
        resolved (screens.payment_common.handle_scan)."""
        if "find" in self.shell.screens:
            from screens.payment_common import handle_scan

            handle_scan(self, text)

    def _on_visit(self, _what: str) -> None:
        self.large_text = self.services.visit.large_text

    def _on_choice(self, btn: ChoiceButton) -> None:
        self.go(btn.target)

    def set_language(self, lang: str) -> None:
        # On Home a new language is a new visit (docs/architecture.md, "Screens": the boundary).
        self.shell.choose_language(lang)

    def toggle_large_text(self) -> None:
        visit = self.services.visit
        visit.set_large_text(not visit.large_text)

    def toggle_high_contrast(self) -> None:
        visit = self.services.visit
        visit.set_high_contrast(not visit.high_contrast)

    @classmethod
    def gallery_states(cls) -> list[GalleryState]:
        return [GalleryState(""), GalleryState("idle-warning", lambda s: s.shell.show_warning())]
