"""Kivy screens (one module + .kv per screen, registered with `screens.base.register_screen`).

Importing this package imports no Kivy: `kiosk gallery` must set Kivy's environment first.
"""
