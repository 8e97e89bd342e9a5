"""KAC kiosk core: flows, journal, services, card terminal, gateway client. Plain Python, no Kivy."""

__version__ = "0.1.0"
