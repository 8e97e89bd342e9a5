"""KAC kiosk core: plain Python, no Kivy (only kiosk.app imports Kivy)."""

__version__ = "0.1.0"
