"""KAC kiosk core: a package per feature (payments, applications, desk) beside the visit, journal,
services, card terminal drivers and gateway client. Plain Python, no Kivy."""

__version__ = "0.1.0"
