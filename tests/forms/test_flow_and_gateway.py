"""The application wizard and service against the real gateway app (FastAPI + SQLite, applications
router)."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from common.forms.definition import FormDefinition
from common.schema import ApplicationReceipt
from gateway.cli import configure_applications as configure_applications_cli
from gateway.models import ApplicationRow
from gateway.services.applications import export_to_string
from kiosk.applications.forms_client import FormsApiClient
from kiosk.applications.privacy_notice import DataController
from kiosk.applications.service import KIND_HOLD, KIND_SEND, ApplicationService
from kiosk.applications.wizard import ApplicationWizard
from kiosk.journal import Journal

DPO = "dpo@example.lv"
CONTROLLER = DataController("Cēsu novada pašvaldība", DPO)


def _service(tmp_path: Path, gw: dict[str, Any]) -> tuple[ApplicationService, Any, Journal]:
    transport = gw["transport_cls"](gw["app"])
    api = FormsApiClient("http://gateway", gw["token"], transport=transport, retries=1,
                         backoff_s=0, sleep=lambda s: asyncio.sleep(0))
    journal = Journal.open(tmp_path / "journal.sqlite", kiosk_id="zoseni-1", generation=1,
                           clock=gw["clock"])
    svc = ApplicationService(journal, api, kiosk_id="zoseni-1", location="Zosēnu bibliotēka",
                             clock=gw["clock"])
    return svc, transport, journal


def _rows(gw: dict[str, Any]) -> list[Any]:
    with gw["sessions"]() as s:
        return list(s.execute(select(ApplicationRow)).scalars())


def _fill_general(wizard: ApplicationWizard, channel: str = "email") -> None:
    assert wizard.set_answer("subject", "  Bedre ceļā  ").ok
    assert wizard.set_answer("text", "Lūdzu, salabojiet bedri\r\npie bibliotēkas.").ok
    assert wizard.next()
    assert wizard.set_answer("full_name", "Anna Bērziņa").ok
    assert wizard.set_answer("reply_channel", channel).ok
    if channel == "email":
        assert wizard.set_answer("email", "anna@example.lv").ok
    assert wizard.next() and wizard.phase == "review"


# -- routing, back and forward -----------------------------------------------------------------
def test_routing_back_keeps_answers_and_progress(tmp_path: Path, gateway: dict[str, Any],
                                                 forms: dict[str, FormDefinition]) -> None:
    svc, _, _ = _service(tmp_path, gateway)
    wizard = ApplicationWizard(forms["heating-allowance"], svc, CONTROLLER, lang="lv")
    assert wizard.progress == 0.0 and not wizard.can_go_back
    assert not wizard.next() and wizard.errors["full_name"].error == "required"
    wizard.set_answer("full_name", "Jānis Kalniņš")
    assert wizard.set_answer("personal_code", "120375-12341").error == "personal_code.checksum"
    assert not wizard.next()
    wizard.set_answer("personal_code", "120375 12340")
    wizard.set_answer("address", "Zosēni, \"Liepas\"")
    assert wizard.next() and wizard.step_id == "household"
    p1 = wizard.progress
    wizard.set_answer("household_size", "3")
    wizard.set_answer("income_status", "low_income")
    wizard.set_answer("monthly_income", "640,50")
    assert wizard.next() and wizard.step_id == "heating" and wizard.progress > p1
    wizard.set_answer("heating_type", "central")
    assert wizard.next() and wizard.phase == "dead_end" and wizard.step_id == "not_eligible"
    assert wizard.back() and wizard.step_id == "heating" and wizard.phase == "steps"
    wizard.set_answer("heating_type", "wood")
    assert wizard.next() and wizard.step_id == "firewood"
    wizard.set_answer("firewood_m3", "12,5")
    assert wizard.next() and wizard.step_id == "payment"
    assert [f.code for f in wizard.visible_fields()] == ["payment_method"]
    wizard.set_answer("payment_method", "bank")
    assert [f.code for f in wizard.visible_fields()] == ["payment_method", "iban"]
    assert not wizard.next() and wizard.errors["iban"].error == "required"
    wizard.set_answer("iban", "LV80 BANK 0000 4351 9500 1")
    assert wizard.next() and wizard.step_id == "declaration"
    # Back twice and forward again: every answer is still there.
    assert wizard.back() and wizard.back() and wizard.step_id == "firewood"
    assert wizard.answers["firewood_m3"] == 12.5 and wizard.answers["iban"] == "LV80BANK0000435195001"
    assert wizard.next() and wizard.next() and wizard.step_id == "declaration"
    assert not wizard.next() and wizard.errors["declaration"].error == "required"
    wizard.set_answer("declaration", False)
    assert wizard.errors["declaration"].error == "must_be_true"
    wizard.set_answer("declaration", True)
    assert wizard.next() and wizard.phase == "review" and wizard.progress == 1.0
    review = {i.code: i for i in wizard.review_items()}
    assert review["personal_code"].value == "120375-1****"
    assert review["monthly_income"].value == "640,50\u00a0€"
    assert review["iban"].value == "LV80 **** 5001"
    assert review["heating_type"].value == "Ar malku"
    # Change from the review: routing elsewhere drops the firewood step from what is sent.
    wizard.change(review["heating_type"].step_id)
    wizard.set_answer("heating_type", "other_fuel")
    assert wizard.next() and wizard.phase == "review"
    sent = wizard.submitted_answers()
    assert "firewood_m3" not in sent and "firewood_m3" in wizard.answers
    assert "iban" in sent


def test_privacy_notice_in_every_language(tmp_path: Path, gateway: dict[str, Any],
                                          forms: dict[str, FormDefinition]) -> None:
    svc, _, _ = _service(tmp_path, gateway)
    wizard = ApplicationWizard(forms["heating-allowance"], svc, CONTROLLER, lang="lv")
    text = " ".join(wizard.privacy_notice())
    assert "Cēsu novada pašvaldība" in text and "6. panta 1. punkta e)" in text
    assert "5 gadi" in text and DPO in text and "sociālā dienesta" in text
    wizard.switch_language("ru")
    assert "5 лет" in " ".join(wizard.privacy_notice())
    wizard.switch_language("en")
    assert "not consent" in " ".join(wizard.privacy_notice())


# -- submit through the real gateway -----------------------------------------------------------
def test_submit_with_gateway_up(tmp_path: Path, gateway: dict[str, Any],
                                forms: dict[str, FormDefinition]) -> None:
    svc, _, journal = _service(tmp_path, gateway)
    wizard = ApplicationWizard(forms["general-application"], svc, CONTROLLER, lang="lv")
    _fill_general(wizard)
    ack = asyncio.run(wizard.submit())
    assert wizard.phase == "done" and ack.status == "received"
    assert ack.registration_no == "KAC-2026-000001"
    assert ack.title == "Iesniegums pašvaldībai" and "viena mēneša" in ack.service_notice
    labels = [line.label for line in ack.summary]
    assert "Temats" in labels and "Iesnieguma teksts" not in labels  # long text stays off paper
    assert not journal.outbox_pending()
    rows = _rows(gateway)
    assert len(rows) == 1 and rows[0].status == "received" and rows[0].department == "chancery"
    cfg = gateway["app"].state.applications
    assert cfg.decrypt(rows[0].answers_enc)["subject"] == "Bedre ceļā"
    raw = (tmp_path / "gw.sqlite").read_bytes() + (tmp_path / "gw.sqlite-wal").read_bytes() \
        if (tmp_path / "gw.sqlite-wal").exists() else (tmp_path / "gw.sqlite").read_bytes()
    assert b"anna@example.lv" not in raw  # encrypted at rest
    # A second application gets the next number.
    wizard2 = ApplicationWizard(forms["general-application"], svc, CONTROLLER, lang="en")
    _fill_general(wizard2, "library")
    assert asyncio.run(wizard2.submit()).registration_no == "KAC-2026-000002"


def test_gateway_down_then_back_arrives_exactly_once(tmp_path: Path, gateway: dict[str, Any],
                                                     forms: dict[str, FormDefinition]) -> None:
    svc, transport, journal = _service(tmp_path, gateway)
    transport.down = True
    wizard = ApplicationWizard(forms["general-application"], svc, CONTROLLER, lang="lv")
    _fill_general(wizard)
    ack = asyncio.run(wizard.submit())
    assert ack.status == "will_be_sent" and ack.registration_no is None
    assert ack.registration_text() == "tiks piešķirts" and "savienojums" in ack.status_text()
    assert len(journal.outbox_pending(KIND_SEND)) == 1 and not _rows(gateway)
    assert asyncio.run(svc.flush_outbox()) == 0  # still down: stays queued
    # Back up, but the first answer is lost on the way: the retry replays the same key.
    transport.down = False
    transport.lose_answers = True
    assert asyncio.run(svc.flush_outbox()) == 0
    assert len(_rows(gateway)) == 1 and len(journal.outbox_pending(KIND_SEND)) == 1
    transport.lose_answers = False
    assert asyncio.run(svc.flush_outbox()) == 1
    assert asyncio.run(svc.flush_outbox()) == 0
    rows = _rows(gateway)
    assert len(rows) == 1 and rows[0].client_application_id == ack.application_id
    assert not journal.outbox_pending()
    assert svc.receipts[ack.application_id].registration_no == rows[0].registration_no


def test_identity_form_waits_for_the_librarian(tmp_path: Path, gateway: dict[str, Any],
                                               forms: dict[str, FormDefinition]) -> None:
    svc, transport, journal = _service(tmp_path, gateway)
    wizard = ApplicationWizard(forms["heating-allowance"], svc, CONTROLLER, lang="lv")
    for code, raw in [("full_name", "Jānis Kalniņš"), ("personal_code", "32503511782"),
                      ("address", "Zosēni")]:
        wizard.set_answer(code, raw)
    wizard.next()
    for code, raw in [("household_size", "2"), ("income_status", "needy"),
                      ("monthly_income", "410"), ("income_sources", ["pension"])]:
        assert wizard.set_answer(code, raw).ok
    wizard.next()
    wizard.set_answer("heating_type", "other_fuel")
    wizard.next()
    wizard.set_answer("payment_method", "cash")
    assert [f.datatype for f in wizard.visible_fields()] == ["singlevaluelist", "info"]
    wizard.next()
    wizard.set_answer("declaration", "jā")
    assert wizard.next() and wizard.phase == "review"
    ack = asyncio.run(wizard.submit())
    assert ack.status == "awaiting_identity" and ack.needs_signature and ack.registration_no is None
    summary = " ".join(f"{line.label}={line.value}" for line in ack.summary)
    assert "32503511782" not in summary and "Personas kods" not in summary
    assert "410" not in summary and "Ienākumu" not in summary and "Mājsaimniecības kopējie" not in summary
    assert "Jānis Kalniņš" in summary
    assert not transport.requests and not _rows(gateway)  # nothing sent before the ID check
    queue = asyncio.run(svc.identity_queue())
    assert [q.application_id for q in queue] == [ack.application_id]
    asyncio.run(svc.flush_outbox())
    assert not _rows(gateway)  # a flush does not send held applications
    send = _operator_send(gateway, "bibl-anna")
    receipt = asyncio.run(svc.confirm_identity(ack.application_id, "bibl-anna", send=send))
    assert receipt is not None and receipt.status == "received"
    rows = _rows(gateway)
    assert len(rows) == 1 and rows[0].confirmed_by == "bibl-anna"
    assert rows[0].identity_assurance == "librarian_checked_id" and rows[0].subject_hmac
    assert not asyncio.run(svc.identity_queue()) and not journal.outbox_pending(KIND_HOLD)
    with pytest.raises(KeyError):
        asyncio.run(svc.confirm_identity(ack.application_id, "bibl-anna", send=send))


async def _sign_in(gw: dict[str, Any], name: str, location: str, token: str | None = None) -> str:
    """Add a librarian of `location` and sign them in at that location's kiosk: the session."""
    from gateway.db import session_factory
    from gateway.services.operators import add_operator

    with session_factory(gw["engine"]).begin() as s:
        pin = add_operator(s, name, location, gw["clock"].now())
    async with _client(gw, token) as c:
        r = await c.post("/api/v1/operator-sessions", json={"operator": name, "pin": pin})
        assert r.status_code == 201, r.text
        return str(r.json()["session"])


def _operator_send(gw: dict[str, Any], name: str) -> Any:
    """A librarian of the kiosk's location signed in (the gateway trusts an ID check only on an
    operator session): an `OperatorSend` that submits on that session."""
    from gateway.db import session_factory
    from gateway.services.operators import add_operator

    with session_factory(gw["engine"]).begin() as s:
        pin = add_operator(s, name, "zoseni", gw["clock"].now())

    async def send(body: dict[str, Any], key: str) -> ApplicationReceipt:
        async with _client(gw) as c:
            r = await c.post("/api/v1/operator-sessions", json={"operator": name, "pin": pin})
            assert r.status_code == 201, r.text
            r = await c.post("/api/v1/applications", json=body, headers={
                "Idempotency-Key": key, "X-Operator-Session": r.json()["session"]})
            assert r.status_code in (200, 201), r.text
            return ApplicationReceipt.model_validate(r.json())
    return send


# -- the HTTP API directly ---------------------------------------------------------------------
def _client(gw: dict[str, Any], token: str | None = None) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=gw["app"]), base_url="http://gw",
                             headers={"Authorization": f"Bearer {token or gw['token']}"})


def _body(**answers: Any) -> dict[str, Any]:
    return {"client_application_id": "T1", "service_code": "general-application", "form_version": 1,
            "submitted_at": "2026-11-27T09:00:00Z", "answers": answers}


def test_api_catalogue_form_and_validation(gateway: dict[str, Any]) -> None:
    async def go() -> None:
        async with _client(gateway) as c:
            r = await c.get("/api/v1/services")
            codes = {s["service_code"]: s for s in r.json()["services"]}
            assert r.status_code == 200 and "heating-allowance" in codes
            assert codes["heating-allowance"]["title"]["ru"] == "Пособие на приобретение топлива"
            r = await c.get("/api/v1/services/excavation-permit/form")
            assert r.json()["definition"]["department"] == "construction"
            assert r.json()["json_schema"]["$schema"].endswith("2020-12/schema")
            assert (await c.get("/api/v1/services/nope/form")).status_code == 404
            bad = _body(subject="x" * 151, full_name="A", reply_channel="email",
                        email="no-at-sign", extra="?")
            r = await c.post("/api/v1/applications", json=bad, headers={"Idempotency-Key": '"k1"'})
            assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
            errs = {e["pointer"]: e for e in r.json()["errors"]}
            assert errs["/answers/subject"]["code"] == "too_long"
            assert errs["/answers/text"]["code"] == "required"
            assert errs["/answers/email"]["code"] in ("invalid_format", "invalid_email")
            assert errs["/answers/extra"]["code"] == "unknown_field"
            assert set(errs["/answers/text"]["message"]) == {"lv", "en", "ru"}
            assert errs["/answers/text"]["message"]["lv"] == "Lūdzu, atbildiet uz šo jautājumu."
            r = await c.post("/api/v1/applications", json=bad)
            assert r.status_code == 400 and r.json()["code"] == "idempotency-key-missing"
            r = await c.post("/api/v1/applications", json=_body(), headers={"Idempotency-Key": "k1"})
            assert r.status_code == 422 and r.json()["code"] == "idempotency-key-reused"
            ok = _body(subject="Ceļš", text="Teksts", full_name="A B", reply_channel="library")
            r1 = await c.post("/api/v1/applications", json=ok, headers={"Idempotency-Key": "k2"})
            r2 = await c.post("/api/v1/applications", json=ok, headers={"Idempotency-Key": "k2"})
            assert r1.status_code == 201 and r2.status_code == 201
            assert r2.headers.get("Idempotent-Replayed") == "true"
            assert r1.json()["registration_no"] == r2.json()["registration_no"] == "KAC-2026-000001"
            # Same application under a new key (outbox replayed): the same registration.
            r3 = await c.post("/api/v1/applications", json=ok, headers={"Idempotency-Key": "k3"})
            assert r3.status_code == 200 and r3.json()["registration_no"] == "KAC-2026-000001"
            assert (await c.get("/api/v1/services", headers={"Authorization": "Bearer x"})).status_code == 401
    asyncio.run(go())


def test_api_confirmation_and_export(gateway: dict[str, Any]) -> None:
    answers = {"full_name": "Pēteris Ozols", "personal_code": "120375-12340", "phone": "+37120000000",
               "cadastral_number": "42010020123", "work_type": "demolish",
               "description": "Nojaukt vecu šķūni.", "planned_start": "2026-12-01",
               "planned_end": "2026-12-20", "owner_confirm": True}
    body = {"client_application_id": "B1", "service_code": "building-intent", "form_version": 1,
            "submitted_at": "2026-11-27T09:00:00Z", "answers": answers}

    async def go() -> None:
        async with _client(gateway) as c:
            r = await c.post("/api/v1/applications", json=body, headers={"Idempotency-Key": "b1"})
            assert r.status_code == 201 and r.json()["status"] == "awaiting_identity"
            reg = r.json()["registration_no"]
            confirm = {"registration_no": reg, "operator_id": "x", "id_document": "passport"}
            r = await c.post("/api/v1/application-confirmations", json=confirm,
                             headers={"Idempotency-Key": "c0"})
            assert r.status_code == 403  # the kiosk's own word is no longer an ID check
            there = await _sign_in(gateway, "bibl-vecpiebalga", "vecpiebalga", "tok-vecpiebalga")
            async with _client(gateway, "tok-vecpiebalga") as other:
                r = await other.post("/api/v1/application-confirmations", json=confirm,
                                     headers={"Idempotency-Key": "c0", "X-Operator-Session": there})
                assert r.status_code == 403  # another location's librarian cannot confirm it
            here = await _sign_in(gateway, "bibl-1", "zoseni")
            r = await c.post("/api/v1/application-confirmations", json=confirm,
                             headers={"Idempotency-Key": "c1", "X-Operator-Session": here})
            receipt = r.json()
            assert r.status_code == 200, r.text
            assert receipt["status"] == "received" and receipt["registration_no"] == reg
            api = FormsApiClient("http://gw", gateway["token"],
                                 transport=httpx.ASGITransport(app=gateway["app"]))
            assert (await api.list_services())[0].service_code == "building-intent"
            assert (await api.get_form("heating-allowance")).definition["version"] == 1
            from kiosk.gateway_client import GatewayError
            with pytest.raises(GatewayError) as exc:
                await api.submit_application({"bad": 1}, idempotency_key="z")
            assert exc.value.code == "validation-error" and exc.value.status == 422
            await api.aclose()
            past = dict(body, client_application_id="B2",
                        answers=dict(answers, planned_start="2026-11-01"))
            r = await c.post("/api/v1/applications", json=past, headers={"Idempotency-Key": "b2"})
            assert r.status_code == 422
            assert r.json()["errors"][0] == {**r.json()["errors"][0], "pointer": "/answers/planned_start",
                                              "code": "date_too_early"}
    asyncio.run(go())
    cfg = gateway["app"].state.applications
    text = export_to_string(gateway["sessions"], cfg)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1 and rows[0]["status"] == "received" and rows[0]["confirmed_by"] == "bibl-1"
    assert '"personal_code": "120375-12340"' in rows[0]["answers_json"]
    assert rows[0]["department"] == "construction" and rows[0]["location"] == "zoseni"


def test_cli_export(tmp_path: Path, gateway: dict[str, Any], forms: dict[str, FormDefinition]) -> None:
    import argparse

    svc, _, _ = _service(tmp_path, gateway)
    wizard = ApplicationWizard(forms["general-application"], svc, CONTROLLER, lang="ru")
    _fill_general(wizard)
    asyncio.run(wizard.submit())
    parser = argparse.ArgumentParser()
    configure_applications_cli(parser)
    out = tmp_path / "apps.csv"
    args = parser.parse_args(["export", "--db", f"sqlite:///{tmp_path / 'gw.sqlite'}", "--out",
                              str(out), "--semicolon", "--key-file", str(tmp_path / "answers.key")])
    assert args.func(args) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8"), delimiter=";"))
    assert rows[0]["lang"] == "ru" and "Bedre ceļā" in rows[0]["answers_json"]
    assert oct(out.stat().st_mode & 0o777) == "0o600"
