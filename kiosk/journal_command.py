"""`kiosk journal list | resolve`: the review list until assisted mode has its screens.

`list` shows unfinished, unknown-outcome and awaiting-confirmation payments and failed prints, and
under each manual-review case the reason it is there (an unknown outcome, a posting the gateway
refused for good or that failed too often);
`resolve ID --reason TEXT --as {approved,void}` closes a manual-review case by hand (approved: the
kiosk posts it again at its next start), and
`--as reversed` a REVERSAL_PENDING one the terminal could not confirm (checked with the acquirer);
logged in the journal's audit trail with the reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.money import format_eur
from kiosk import config
from kiosk.journal import Journal, JournalError, MoneyState, PaymentEntry, ReceiptState


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=None)
    # Also accepted after the subcommand, like `kiosk terminal diagnose --config X` (SUPPRESS: an
    # absent option there does not overwrite one given before the subcommand).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="journal_command", metavar="SUBCOMMAND")
    lst = sub.add_parser("list", parents=[common],
                         help="unfinished payments, unknown outcomes, failed prints")
    lst.add_argument("--all", action="store_true", help="every payment, finished ones too")
    lst.set_defaults(func=list_entries)
    res = sub.add_parser("resolve", parents=[common],
                         help="close a manual-review or reversal-pending payment by hand (logged)")
    res.add_argument("id", help="client_txn_id, its first 8 characters, or the slip's reference")
    res.add_argument("--reason", required=True, help="why, for the audit trail")
    res.add_argument("--as", dest="verdict", choices=["approved", "void", "reversed"],
                     required=True,
                     help="approved: the card was charged (verified with the acquirer); "
                          "void: it was not; reversed: a REVERSAL_PENDING payment's money was "
                          "given back (verified with the acquirer)")
    res.set_defaults(func=resolve_entry)


def open_journal(cfg: config.KioskConfig) -> Journal:
    path = Path(cfg.journal.path) if cfg.journal.path else cfg.data_dir() / "journal.sqlite3"
    # Never create one: an empty new journal would answer "nothing to resolve" for a wrong config.
    if not path.exists():
        raise JournalError(f"no journal at {path} (is --config the kiosk's config?)")
    return Journal.open(path, kiosk_id=cfg.kiosk.id, generation=cfg.kiosk.generation)


def _flags(e: PaymentEntry) -> str:
    flags = []
    if e.money_state is MoneyState.MANUAL_REVIEW:
        flags.append("REVIEW")
    if e.money_state is MoneyState.POST_PENDING:
        flags.append("AWAITING-CONFIRMATION")
    if e.receipt_state is ReceiptState.PRINT_FAILED:
        flags.append("PRINT-FAILED")
    return ",".join(flags)


def list_entries(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config)
        journal = open_journal(cfg)
    except (config.ConfigError, JournalError) as exc:
        print(exc, file=sys.stderr)
        return 2
    with journal:
        entries = journal.payments() if args.all else [
            e for e in journal.payments()
            if e.unfinished or e.money_state is MoneyState.MANUAL_REVIEW
            or e.receipt_state is ReceiptState.PRINT_FAILED]
    if not entries:
        print("nothing to resolve")
        return 0
    print(f"{'id':<10} {'created (UTC)':<20} {'amount':>12} {'money':<17} {'receipt':<13} "
          f"{'reference':<10} {'receipt no':<22} flags")
    for e in entries:
        print(f"{e.client_txn_id[:8]:<10} {e.created_at:%Y-%m-%d %H:%M:%S} "
              f"{format_eur(e.amount_cents, group=' '):>12} {e.money_state:<17} "
              f"{e.receipt_state:<13} {e.reference_code:<10} {e.receipt_no or '-':<22} {_flags(e)}")
        if e.money_state is MoneyState.MANUAL_REVIEW and e.note:
            print(f"{'':<10} reason: {e.note}")
    return 0


def _find(journal: Journal, ident: str) -> PaymentEntry | None:
    by_ref = journal.find_by_reference(ident)
    if by_ref:
        return by_ref
    matches = [e for e in journal.payments() if e.client_txn_id.startswith(ident)]
    return matches[0] if len(matches) == 1 else None


def resolve_entry(args: argparse.Namespace) -> int:
    try:
        cfg = config.load(args.config)
        journal = open_journal(cfg)
    except (config.ConfigError, JournalError) as exc:
        print(exc, file=sys.stderr)
        return 2
    with journal:
        entry = _find(journal, args.id)
        if entry is None:
            print(f"no single payment matches {args.id!r}", file=sys.stderr)
            return 2
        # Each verdict closes one kind of open case; anything else the kiosk resolves by itself.
        expected = (MoneyState.REVERSAL_PENDING if args.verdict == "reversed"
                    else MoneyState.MANUAL_REVIEW)
        if entry.money_state is not expected:
            what = ("in manual review" if expected is MoneyState.MANUAL_REVIEW
                    else "waiting for a reversal")
            print(f"{entry.client_txn_id} is {entry.money_state}, not {what}; "
                  f"--as {args.verdict} does not apply", file=sys.stderr)
            return 2
        target = {"approved": MoneyState.APPROVED, "void": MoneyState.VOID,
                  "reversed": MoneyState.REVERSED}[args.verdict]
        note = f"resolved by hand: {args.reason}"
        journal.transition(entry.client_txn_id, target, note=note)
        if target is MoneyState.APPROVED:
            journal.assign_receipt_no(entry.client_txn_id)
        else:
            journal.outbox_put("intent-release", f"{entry.client_txn_id}:release",
                               {"client_txn_id": entry.client_txn_id})
        print(f"{entry.client_txn_id}: {entry.money_state} -> {target} ({args.reason}); "
              + ("the kiosk posts it and prints its receipt at its next start"
                 if target is MoneyState.APPROVED else "the reservation is released at next start"))
    return 0
