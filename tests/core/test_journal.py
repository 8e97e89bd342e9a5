import os
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from common.clock import FakeClock
from kiosk.journal import MONEY_TRANSITIONS, Journal, JournalError, MoneyState, ReceiptState, TransitionError

WORKER = Path(__file__).with_name("journal_worker.py")
M, R = MoneyState, ReceiptState


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    j = Journal.open(tmp_path / "j.sqlite3", kiosk_id="zoseni-1", generation=1, clock=FakeClock())
    yield j
    j.close()


def test_pragmas_make_it_durable(journal: Journal) -> None:
    db = journal._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_every_state_is_in_the_graph() -> None:
    assert set(MONEY_TRANSITIONS) == set(MoneyState)


def test_happy_path_and_receipt_numbers(journal: Journal) -> None:
    numbers = []
    for _ in range(3):
        e = journal.begin_payment(amount_cents=500, method="card", data={})
        journal.transition(e.client_txn_id, M.SENT_TO_TERMINAL,
                           service_id=journal.allocate_service_id(e.client_txn_id, "payment"))
        journal.transition(e.client_txn_id, M.APPROVED, terminal={"last4": "4242"})
        journal.transition(e.client_txn_id, M.POSTED)
        numbers.append(journal.assign_receipt_no(e.client_txn_id))
        assert journal.assign_receipt_no(e.client_txn_id) == numbers[-1]  # once per payment
    assert numbers == ["zoseni-1.1-000001", "zoseni-1.1-000002", "zoseni-1.1-000003"]


@pytest.mark.parametrize("path, bad", [
    ([], M.POSTED),                                  # RESERVED -> POSTED skips the money
    ([M.SENT_TO_TERMINAL, M.DECLINED], M.APPROVED),  # a declined card is never approved later
    ([M.VOID], M.SENT_TO_TERMINAL),                  # VOID is final
    ([M.SENT_TO_TERMINAL, M.APPROVED, M.POSTED], M.VOID),
])
def test_illegal_transitions_are_refused(journal: Journal, path: list[MoneyState],
                                         bad: MoneyState) -> None:
    e = journal.begin_payment(amount_cents=100, method="card", data={})
    for state in path:
        journal.transition(e.client_txn_id, state)
    with pytest.raises(TransitionError):
        journal.transition(e.client_txn_id, bad)
    assert journal.get(e.client_txn_id).money_state == (path[-1] if path else M.RESERVED)


def test_replaying_the_current_state_is_harmless(journal: Journal) -> None:
    e = journal.begin_payment(amount_cents=100, method="cash", data={})
    journal.transition(e.client_txn_id, M.APPROVED)
    journal.transition(e.client_txn_id, M.APPROVED)
    assert [ev["to_state"] for ev in journal.events(e.client_txn_id)] == ["RESERVED", "APPROVED"]


def test_receipt_track(journal: Journal) -> None:
    e = journal.begin_payment(amount_cents=100, method="cash", data={})
    with pytest.raises(TransitionError):
        journal.set_receipt_state(e.client_txn_id, R.PRINTED)  # must be PRINT_SENT first
    journal.set_receipt_state(e.client_txn_id, R.PRINT_SENT)
    journal.set_receipt_state(e.client_txn_id, R.PRINT_FAILED)
    journal.set_receipt_state(e.client_txn_id, R.PRINT_SENT)
    entry = journal.set_receipt_state(e.client_txn_id, R.PRINTED)
    assert entry.print_count == 1


def test_unfinished_lists_money_and_paper_work(journal: Journal) -> None:
    a = journal.begin_payment(amount_cents=100, method="card", data={})  # reserved only
    b = journal.begin_payment(amount_cents=100, method="cash", data={})
    journal.transition(b.client_txn_id, M.APPROVED)
    journal.transition(b.client_txn_id, M.POSTED)                         # posted, not printed
    c = journal.begin_payment(amount_cents=100, method="cash", data={})
    journal.transition(c.client_txn_id, M.VOID)                           # nothing left to do
    d = journal.begin_payment(amount_cents=100, method="card", data={})
    journal.transition(d.client_txn_id, M.SENT_TO_TERMINAL)
    journal.transition(d.client_txn_id, M.UNKNOWN)
    journal.transition(d.client_txn_id, M.MANUAL_REVIEW)                  # staff's queue
    ids = {e.client_txn_id for e in journal.unfinished()}
    assert ids == {a.client_txn_id, b.client_txn_id}
    assert [e.client_txn_id for e in journal.manual_review()] == [d.client_txn_id]


def test_service_ids_unique_and_short(tmp_path: Path) -> None:
    seen = set()
    for generation in (1, 2):
        j = Journal.open(tmp_path / f"g{generation}.sqlite3", kiosk_id="k", generation=generation)
        for _ in range(50):
            sid = j.allocate_service_id(None, "diagnosis")
            assert len(sid) <= 10 and sid.isalnum() and sid not in seen
            seen.add(sid)
        j.close()


def test_journal_refuses_other_kiosk_or_older_generation(tmp_path: Path) -> None:
    Journal.open(tmp_path / "j.sqlite3", kiosk_id="a", generation=2).close()
    with pytest.raises(JournalError):
        Journal.open(tmp_path / "j.sqlite3", kiosk_id="b", generation=2)
    with pytest.raises(JournalError):
        Journal.open(tmp_path / "j.sqlite3", kiosk_id="a", generation=1)


def test_outbox_is_idempotent_by_key(journal: Journal) -> None:
    first = journal.outbox_put("application", "key-1", {"a": "ā"})
    assert journal.outbox_put("application", "key-1", {"a": "other"}) == first
    [item] = journal.outbox_pending()
    assert item.body == {"a": "ā"}
    journal.outbox_failed_attempt(item.id, "gateway-unreachable")
    assert journal.outbox_pending()[0].attempts == 1
    journal.outbox_done(item.id)
    assert journal.outbox_pending() == []


def _pending_posting(journal: Journal) -> tuple[str, int]:
    e = journal.begin_payment(amount_cents=100, method="card", data={})
    journal.transition(e.client_txn_id, M.SENT_TO_TERMINAL)
    journal.transition(e.client_txn_id, M.APPROVED)
    journal.assign_receipt_no(e.client_txn_id)
    journal.transition(e.client_txn_id, M.POST_PENDING)
    return e.client_txn_id, journal.outbox_put("payment", f"{e.client_txn_id}:post", {"n": 1})


def test_a_posting_given_up_waits_for_a_person(journal: Journal) -> None:
    txn, item = _pending_posting(journal)
    entry = journal.give_up_posting(txn, item, "posting refused by the gateway for good: x")
    assert entry.money_state is M.MANUAL_REVIEW and entry.note.endswith("for good: x")
    assert journal.outbox_pending() == []
    [row] = journal.iter_rows("outbox")
    assert (row["state"], row["attempts"], row["last_error"]) == ("given_up", 1, entry.note)
    # Charged: the receipt is still owed, so the entry stays on the list until it is printed.
    assert entry.owes_receipt and [e.client_txn_id for e in journal.unfinished()] == [txn]
    assert journal.outbox_put("payment", f"{txn}:post", {"n": 2}) == item  # not by itself
    assert journal.outbox_pending() == []
    journal.transition(txn, M.APPROVED, note="resolved by hand")  # a person: post it again
    journal.outbox_put("payment", f"{txn}:post", {"n": 2}, reopen=True)
    [again] = journal.outbox_pending()
    assert (again.id, again.attempts, again.body) == (item, 0, {"n": 1})  # same key, same body


def test_giving_up_a_posting_is_one_transaction(journal: Journal) -> None:
    e = journal.begin_payment(amount_cents=100, method="card", data={})  # RESERVED: no review
    item = journal.outbox_put("payment", f"{e.client_txn_id}:post", {})
    with pytest.raises(TransitionError):
        journal.give_up_posting(e.client_txn_id, item, "refused")
    assert [i.id for i in journal.outbox_pending()] == [item]  # rolled back with the step


def test_purge_removes_personal_data_after_retention(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "j.sqlite3"
    j = Journal.open(path, kiosk_id="k", generation=1, clock=clock)
    settled = j.begin_payment(amount_cents=100, method="cash",
                              data={"payer_names": ["Jānis Bērziņš"], "notices": ["2026000457"]})
    j.transition(settled.client_txn_id, M.APPROVED)
    j.transition(settled.client_txn_id, M.POSTED)
    open_one = j.begin_payment(amount_cents=100, method="card", data={"payer_names": ["Anna Ozola"]})
    assert j.purge_personal_data(30) == 0  # too recent
    clock.advance(timedelta(days=31).total_seconds())
    assert j.purge_personal_data(30) == 1
    assert "payer_names" not in j.get(settled.client_txn_id).data
    assert j.get(settled.client_txn_id).data["notices"] == ["2026000457"]
    assert j.get(open_one.client_txn_id).data["payer_names"] == ["Anna Ozola"]  # not settled
    j.close()
    raw = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                               if path.with_name(path.name + "-wal").exists() else b"")
    assert "Jānis Bērziņš".encode() not in raw  # secure_delete + checkpoint: no stale copy


CRASH_POINTS = [
    "RESERVED:before", "RESERVED:after", "SENT_TO_TERMINAL:before", "SENT_TO_TERMINAL:after",
    "APPROVED:before", "APPROVED:after", "POSTED:before", "POSTED:after",
    "receipt-PRINT_SENT:before", "receipt-PRINT_SENT:after",
    "receipt-PRINTED:before", "receipt-PRINTED:after",
]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_sigkill_between_writes_loses_nothing(tmp_path: Path, point: str) -> None:
    """Kill a real process at each step; the journal must show exactly the steps done before."""
    path = tmp_path / "j.sqlite3"
    env = {**os.environ, "KIOSK_CRASH_AT": point}
    # Two payments succeed in a clean run; the crash hits the first payment's step.
    proc = subprocess.run([sys.executable, str(WORKER), str(path), "2"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert proc.stdout == ""  # died in the first payment

    state, when = point.rsplit(":", 1)
    db = sqlite3.connect(path)  # what survived, read without the journal's code
    rows = db.execute("SELECT money_state, receipt_state FROM payments").fetchall()
    db.close()
    if state == "RESERVED" and when == "before":
        assert rows == []
    else:
        [(money, receipt)] = rows
        order = ["RESERVED", "SENT_TO_TERMINAL", "APPROVED", "POSTED"]
        if state.startswith("receipt-"):
            assert money == "POSTED"
            expected_receipt = {"receipt-PRINT_SENT:before": "NONE",
                                "receipt-PRINT_SENT:after": "PRINT_SENT",
                                "receipt-PRINTED:before": "PRINT_SENT",
                                "receipt-PRINTED:after": "PRINTED"}[point]
            assert receipt == expected_receipt
        else:
            idx = order.index(state)
            assert money == (order[idx] if when == "after" else order[idx - 1])
            assert receipt == "NONE"

    # Restarted without the crash: numbering continues with no reuse and no gap.
    env.pop("KIOSK_CRASH_AT")
    proc = subprocess.run([sys.executable, str(WORKER), str(path), "2"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = [line.split() for line in proc.stdout.splitlines()]
    j = Journal.open(path, kiosk_id="t-1", generation=3)
    sids = [row["service_id"] for row in j.iter_rows("service_ids")]
    assert len(sids) == len(set(sids))
    numbers = [n for _, n, _ in lines]
    first_seq = 2 if state.startswith("receipt-") else 1  # the crashed payment got number 1
    assert numbers == [f"t-1.3-{first_seq:06d}", f"t-1.3-{first_seq + 1:06d}"]
    j.close()
