"""What the UI may reach of the core, built once per process (no Kivy here).

Screens reach it as `self.services` (the shell hands it to every screen); the App as
`app.services`. The composition root (`launcher`) builds it: it alone knows whether the gateway is
the municipality's server or the embedded demo (docs/architecture.md, "Layers").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields

from common.clock import Clock, SystemClock
from common.i18n import Translator
from common.schema import InvoiceView
from kiosk.backend import Backend
from kiosk.config import KioskConfig
from kiosk.speech import Speech, make_speech
from kiosk.visit import Visit

# Builds an invoice as the gateway would show it, from sample data (the gallery's states).
SampleInvoice = Callable[[str], InvoiceView]


@dataclass
class Services:
    """Everything the UI may reach of the core; anything with an async `aclose()` is closed at exit."""

    config: KioskConfig
    translator: Translator
    clock: Clock
    speech: Speech
    visit: Visit
    # Journal, gateway, terminal, printer, payments, applications (None: UI-only, e.g. tests of
    # screens that need no money services).
    backend: Backend | None = None
    sample_invoice: SampleInvoice | None = None

    async def aclose(self) -> None:
        for f in fields(self):
            closer = getattr(getattr(self, f.name), "aclose", None)
            if closer is not None:
                await closer()


def make_services(
    cfg: KioskConfig, *, backend: Backend | None, clock: Clock | None = None,
    speech: Speech | None = None, sample_invoice: SampleInvoice | None = None,
) -> Services:
    translator = Translator(cfg.kiosk.default_language)
    visit = Visit(
        translator,
        default_language=cfg.kiosk.default_language,
        default_high_contrast=cfg.accessibility.high_contrast,
    )
    return Services(
        config=cfg,
        translator=translator,
        clock=backend.clock if backend is not None else (clock or SystemClock()),
        speech=speech or make_speech(cfg.accessibility.speech),
        visit=visit,
        backend=backend,
        sample_invoice=sample_invoice,
    )
