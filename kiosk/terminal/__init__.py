"""Card terminal protocol drivers behind one interface (docs/architecture.md, "Card terminal").

`base` (the `TerminalDriver` protocol and its frozen outcomes), `nexo` (the nexo Terminal API),
`messages` (its JSON), `envelope` (the local security envelope), `transport` (HTTP), `simulator`,
`sim_terminal`, `sim_receipt` and `sim_process` (the simulated terminal). Drivers know nothing of
the journal or the kiosk's config (an import contract keeps it so): the journaled service that
uses them, its recovery and the driver built from the config are `kiosk.payments`.
"""

from kiosk.terminal.base import (
    DiagnosisResult,
    OutcomeStatus,
    Reason,
    ReconciliationResult,
    TerminalDriver,
    TerminalError,
    TerminalOutcome,
    reason_text,
)

__all__ = ["DiagnosisResult", "OutcomeStatus", "Reason", "ReconciliationResult", "TerminalDriver",
           "TerminalError", "TerminalOutcome", "reason_text"]
