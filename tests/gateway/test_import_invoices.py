"""`kiosk gateway import-invoices`: the billing system's CSV in, all or nothing, on SQLite and
PostgreSQL; imported invoices are found at a real kiosk endpoint over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from gw_helpers import Gateway
from ops_helpers import invoice_line, new_notice, pay, run_cli, write_csv
from sqlalchemy import select

from gateway.db import session_factory
from gateway.models import Invoice, Payer
from gateway.services.invoice_csv import parse_file, parse_period


def _search(gw: Gateway, token: str, notice: str, check: str) -> dict:
    with gw.http(token) as c:
        r = c.post("/invoice-searches", json={"notice_number": notice, "check_value": check})
    assert r.status_code == 200, r.text
    return r.json()["invoices"][0]


def _invoice(gw: Gateway, notice: str) -> Invoice | None:
    with session_factory(gw.engine)() as s:
        return s.execute(select(Invoice).where(Invoice.notice_number == notice)).unique().scalar_one_or_none()


def _import(capsys: pytest.CaptureFixture[str], gw: Gateway, tmp_path: Path, csv: Path,
            *extra: str) -> tuple[int, str, str]:
    return run_cli(capsys, "gateway", "import-invoices", "--db", gw.db_url, "--key-file",
                   str(tmp_path / "gateway.key"), str(csv), *extra)


def test_every_bad_line_is_listed_and_nothing_is_imported(gw: Gateway, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    good, dup = new_notice(), new_notice()
    csv = write_csv(
        tmp_path / "bad.csv",
        invoice_line(good),                                   # line 2: fine
        invoice_line("12345"),                                # 3: notice has 10 digits
        invoice_line(new_notice(), amount="12,345"),          # 4: three decimals
        invoice_line(new_notice(), creditor="nobody"),        # 5: unknown creditor
        invoice_line(dup),                                    # 6: fine
        invoice_line(dup),                                    # 7: the same notice again
        invoice_line(new_notice(), code="010101-10000"),      # 8: personal code check digit
        invoice_line(new_notice(), amount="100,00", instalments="2026-10-20=50,00|2026-11-20=40,00"),  # 9
        invoice_line(new_notice(), due="2026-02-30"),         # 10: no such date
        invoice_line(new_notice(), period="9999"),            # 11: year out of range
    )
    code, _out, err = _import(capsys, gw, tmp_path, csv)
    assert code == 2
    listed = {int(line.split(":")[0].removeprefix("line ")) for line in err.splitlines() if line.startswith("line ")}
    assert listed == {3, 4, 5, 7, 8, 9, 10, 11}, err
    assert "line 3: notice_number: notice-malformed" in err
    assert "line 5: creditor: unknown creditor 'nobody'" in err
    assert "line 7: notice number also on line 6" in err
    assert "line 8: payer_code: personal_code.checksum" in err
    assert "line 9: instalments: instalments do not add up to the amount" in err
    assert "nothing imported" in err
    assert _invoice(gw, good) is None and _invoice(gw, dup) is None


def test_imported_invoice_is_found_at_a_kiosk_and_no_personal_code_is_stored(
        gw: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tax, water = new_notice(), new_notice()
    csv = write_csv(
        tmp_path / "in.csv",
        invoice_line(tax, check="4821", creditor="90000031048", service="property-tax", payer="Jānis Bērziņš",
                     code="161175-19997", obj="42960012345", period="2026", due="16.11.2026", amount="148,40",
                     instalments="2026-03-31=37,10|2026-05-15=37,10|2026-08-17=37,10|16.11.2026=37,10"),
        invoice_line(water),  # no check value: computed
    )
    out_checks = tmp_path / "checks.csv"
    code, out, err = _import(capsys, gw, tmp_path, csv, "--check-values-out", str(out_checks))
    assert code == 0, err
    assert "2 added, 0 updated, 0 unchanged" in out
    assert oct(out_checks.stat().st_mode & 0o777) == "0o600"
    computed = dict(line.split(";") for line in out_checks.read_text().splitlines()[1:])
    assert list(computed) == [water] and len(computed[water]) == 4

    _kid, token = gw.add_kiosk()
    view = _search(gw, token, tax, "4821")
    assert view["total_cents"] == 14840 and view["creditor"]["id"] == "cesu-novads"
    assert view["object_kind"] == "cadastral" and view["payer_masked"] == "J*** B*****Š"
    assert [i["amount_cents"] for i in view["instalments"]] == [3710] * 4
    assert _search(gw, token, water, computed[water])["total_cents"] == 3874
    with session_factory(gw.engine)() as s:
        refs = [p.payer_ref for p in s.execute(select(Payer).where(Payer.name == "Jānis Bērziņš")).scalars()]
    assert refs and all("161175" not in r and "19997" not in r for r in refs)


def test_reimport_changes_nothing_and_a_changed_amount_updates_an_unpaid_invoice(
        gw: Gateway, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = new_notice(), new_notice()
    first = write_csv(tmp_path / "1.csv", invoice_line(a), invoice_line(b))
    assert _import(capsys, gw, tmp_path, first)[0] == 0
    check_a = _invoice(gw, a).check_value  # type: ignore[union-attr]
    code, out, _err = _import(capsys, gw, tmp_path, first)
    assert code == 0 and "0 added, 0 updated, 2 unchanged, 0 changes refused" in out

    dry = write_csv(tmp_path / "2.csv", invoice_line(a, amount="40,00"), invoice_line(b))
    code, out, _err = _import(capsys, gw, tmp_path, dry, "--dry-run")
    assert code == 0 and "1 would be updated" in out
    assert _invoice(gw, a).total_cents == 3874  # type: ignore[union-attr]

    code, out, _err = _import(capsys, gw, tmp_path, dry)
    assert code == 0 and "0 added, 1 updated, 1 unchanged" in out
    inv = _invoice(gw, a)
    assert inv is not None and inv.total_cents == 4000 and inv.check_value == check_a
    assert [i.amount_cents for i in inv.instalments] == [4000]


def test_a_paid_invoice_is_never_silently_changed(gw: Gateway, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    notice = new_notice()
    assert _import(capsys, gw, tmp_path, write_csv(tmp_path / "1.csv", invoice_line(notice, check="1357")))[0] == 0
    _kid, token = gw.add_kiosk()
    pay(gw, token, notice, "1357", 1000)
    changed = write_csv(tmp_path / "2.csv", invoice_line(notice, check="1357", amount="50,00"))
    code, out, err = _import(capsys, gw, tmp_path, changed)
    assert code == 1
    assert f"line 2: notice {notice} has payments; not changed: total_cents" in err
    assert "1 changes refused" in out
    inv = _invoice(gw, notice)
    assert inv is not None and inv.total_cents == 3874 and inv.paid_cents == 1000


def test_comma_separated_with_bom_quotes_and_latvian_header(tmp_path: Path) -> None:
    text = ("\ufeffpazinojuma_nr,kontrolvertiba,kreditors,pakalpojums,maksataja_vards,maksataja_kods,objekts,"
            "periods,termins,summa\n"
            '2026000999,0042,vinda,water,"Ozols, Pēteris",40003123456,Līgums Ū-1,2026-10-01..2026-10-31,'
            '2026-11-20,"38,74"\n')
    parsed = parse_file(text.encode("utf-8"))
    assert parsed.errors == []
    (line,) = parsed.lines
    assert (line.payer_name, line.check_value, line.total_cents) == ("Ozols, Pēteris", "0042", 3874)
    assert line.instalments == ((line.due_date, 3874),)


def test_a_line_that_is_not_utf8_is_named() -> None:
    data = (b"notice_number;creditor;service;payer_name;payer_code;object;period;due_date;amount\n"
            b"2026000999;vinda;water;Ozols;40003123456;L;2026-10;2026-11-20;1,00\n") + \
        "2026000998;vinda;water;Bērziņš;40003123456;L;2026-10;2026-11-20;1,00\n".encode("cp1257")
    parsed = parse_file(data)
    assert [(e.line_no, e.reason) for e in parsed.errors] == [(3, "not UTF-8 (save the file as UTF-8)")]


def test_periods() -> None:
    assert parse_period("2026-02") == (parse_period("2026-02-01..2026-02-28"))
    assert parse_period("2026")[1].isoformat() == "2026-12-31"
    with pytest.raises(ValueError):
        parse_period("2026-03-01..2026-02-01")
