"""Runs payments through the journal in a real process; tests kill it at a chosen crash point.

Usage: python journal_worker.py JOURNAL_PATH N_PAYMENTS
Prints one line per finished payment: "<client_txn_id> <receipt_no> <service_id>".
"""

import sys

from kiosk.journal import Journal, MoneyState, ReceiptState


def main() -> None:
    path, count = sys.argv[1], int(sys.argv[2])
    journal = Journal.open(path, kiosk_id="t-1", generation=3)
    for i in range(count):
        entry = journal.begin_payment(amount_cents=100 + i, method="card",
                                      data={"payer_names": ["J*** B*****S"]}, intent_id=f"pi-{i}")
        sid = journal.allocate_service_id(entry.client_txn_id, "payment")
        journal.transition(entry.client_txn_id, MoneyState.SENT_TO_TERMINAL, service_id=sid)
        journal.transition(entry.client_txn_id, MoneyState.APPROVED, terminal={"approval": "A1"})
        journal.transition(entry.client_txn_id, MoneyState.POSTED)
        number = journal.assign_receipt_no(entry.client_txn_id)
        journal.set_receipt_state(entry.client_txn_id, ReceiptState.PRINT_SENT)
        journal.set_receipt_state(entry.client_txn_id, ReceiptState.PRINTED)
        print(entry.client_txn_id, number, sid, flush=True)


if __name__ == "__main__":
    main()
