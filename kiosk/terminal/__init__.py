"""Card terminal drivers (simulator, nexo Terminal API) behind one protocol; see base.py."""

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
