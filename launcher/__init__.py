"""The composition root: the `kiosk` console script and the wiring of the parts.

The top of the layers (docs/architecture.md): it may import every package. `launcher.embedded` is
the only module that imports both the kiosk and the gateway (the zero-config demo).
"""
