"""The picture of a card at a card terminal (card_terminal.kv), shown by Pay and Confirm, where the
space goes to the terminal the resident uses (docs/architecture.md, "Screens")."""

from __future__ import annotations

from kivy.uix.widget import Widget

from screens.widgets import load_kv_beside


class CardTerminalPicture(Widget):
    """A card going into a card terminal, drawn with canvas instructions."""


load_kv_beside(__file__)
