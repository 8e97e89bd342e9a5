"""Sending municipal applications: the long-lived `ApplicationService` and what it hands back.

`ApplicationService` lives as long as the app and owns the journal outbox: it sends applications,
re-sends them after the gateway was down (`flush_outbox`, exactly once thanks to the idempotency
key journaled first), and keeps the librarian's queue of applications waiting for an ID check.
One resident's form (steps, answers, review) is `kiosk.applications.wizard.ApplicationWizard`;
the privacy notice is `kiosk.applications.privacy_notice`.

Identity: a form that needs `librarian_checked_id` is printed for a handwritten signature and held
in the kiosk's journal (`awaiting_identity`); it is sent only when a librarian calls
`confirm_identity(application_id, operator, send=...)` after checking the ID and the signature,
`send` submitting it on the librarian's operator session (the gateway trusts an ID check only
there). A form the librarian took over from a resident at the desk is sent that way at once
(`operator_send`; docs/architecture.md, "The librarian's desk").
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from common.clock import RIGA, Clock, SystemClock
from common.forms.definition import FormDefinition
from common.forms.field_types import display_value
from common.forms.routing import applicable_fields
from common.i18n import N_, gettext
from common.schema import ApplicationReceipt
from kiosk.journal import Journal

log = logging.getLogger(__name__)

KIND_SEND = "application"
KIND_HOLD = "application-hold"

Status = Literal["received", "awaiting_identity", "will_be_sent"]


class FormsApi(Protocol):
    async def submit_application(self, body: dict[str, Any], *,
                                 idempotency_key: str) -> ApplicationReceipt: ...


# Sends (body, idempotency_key) on a signed-in librarian's session; answers the gateway's receipt.
OperatorSend = Callable[[dict[str, Any], str], Awaitable[ApplicationReceipt]]


class SubmissionRejected(Exception):
    """The gateway refused the answers (a form version the kiosk does not have yet)."""

    def __init__(self, code: str, field_errors: list[Any]) -> None:
        self.code = code
        self.field_errors = field_errors
        super().__init__(code)


@dataclass(frozen=True)
class SummaryLine:
    label: str
    value: str


@dataclass(frozen=True)
class SignedLine:
    """One question on the copy a resident signs: Latvian, and the resident's language where it
    differs ("" when the same)."""

    label: str
    value: str
    label_own: str = ""
    value_own: str = ""


@dataclass(frozen=True)
class Acknowledgement:
    """What the application papers print. `summary` (the acknowledgement a resident may leave on
    the counter) has no personal code, account or income; `to_sign` (only for a form that needs an
    ID check) is the application the resident signs and hands to the librarian, so it carries every
    answer, income too, with the personal code and account masked as on the review screen."""

    application_id: str  # the kiosk's own id, printed so the librarian can match the paper
    registration_no: str | None  # None until the gateway registered it
    status: Status
    service_code: str
    title: str
    lang: str
    created_at: datetime  # UTC
    local_date: str  # DD.MM.YYYY HH:MM, Europe/Riga
    location: str
    kiosk_id: str
    department: str
    summary: list[SummaryLine]
    service_notice: str
    needs_signature: bool
    to_sign: tuple[SignedLine, ...] = ()
    title_lv: str = ""

    @property
    def will_be_sent(self) -> bool:
        return self.status == "will_be_sent"

    def registration_text(self) -> str:
        return self.registration_no or gettext("pending", self.lang)

    def status_text(self) -> str:
        return gettext(_STATUS_TEXT[self.status], self.lang)


_STATUS_TEXT = {
    "received": N_("Received by the municipality."),
    "awaiting_identity": N_("Please sign the printed application and give it to the librarian "
                            "with your ID document. It will be sent after the check."),
    "will_be_sent": N_("Saved. It will be sent to the municipality as soon as the connection "
                       "is back."),
}


@dataclass(frozen=True)
class PendingIdentity:
    """One entry of the librarian's queue (no personal data on the list itself)."""

    application_id: str
    service_code: str
    title: str
    created_at: datetime
    outbox_id: int


def _lines_to_sign(form: FormDefinition, answers: dict[str, Any], lang: str) -> tuple[SignedLine, ...]:
    """Every question asked on the resident's path, Latvian first (the application is to a Latvian
    municipality); a question left empty shows a dash, so nothing can be added after signing."""
    lines = []
    for f in applicable_fields(form, answers):
        value = answers.get(f.code)
        label, shown = f.label.get("lv"), display_value(f, value, "lv")
        label_own, shown_own = f.label.get(lang), display_value(f, value, lang)
        lines.append(SignedLine(label, shown, label_own if label_own != label else "",
                                shown_own if shown_own != shown else ""))
    return tuple(lines)


def _local(dt: datetime) -> str:
    return dt.astimezone(RIGA).strftime("%d.%m.%Y %H:%M")


# -- the long-lived service --------------------------------------------------------------------
class ApplicationService:
    """Sends applications through the journal's outbox; one per app (outlives visits)."""

    def __init__(self, journal: Journal, api: FormsApi, *, kiosk_id: str, location: str,
                 clock: Clock | None = None) -> None:
        self.journal = journal
        self.api = api
        self.kiosk_id = kiosk_id
        self.location = location
        self.clock = clock or SystemClock()
        self.receipts: dict[str, ApplicationReceipt] = {}  # application_id -> gateway receipt
        self._send_lock = asyncio.Lock()
        # The desk's sender while a librarian has taken over the visit (kiosk.desk), else None.
        self.operator_send: Callable[[], OperatorSend | None] = lambda: None

    # -- building the request --------------------------------------------------------------
    def _body(self, form: FormDefinition, answers: dict[str, Any], lang: str,
              application_id: str, now: datetime) -> dict[str, Any]:
        return {"client_application_id": application_id, "service_code": form.service_code,
                "form_version": form.version, "lang": lang,
                "submitted_at": now.isoformat().replace("+00:00", "Z"),
                "identity": {"assurance": "none"}, "answers": answers}

    def acknowledgement(self, form: FormDefinition, answers: dict[str, Any], lang: str,
                        application_id: str, now: datetime, status: Status,
                        registration_no: str | None) -> Acknowledgement:
        summary = [SummaryLine(f.label.get(lang), display_value(f, answers[f.code], lang))
                   for f in applicable_fields(form, answers)
                   # Long free text would not fit (and is never cut); sensitive answers stay off
                   # paper a resident may leave on the counter.
                   if f.code in answers and not f.is_sensitive and f.field_type.on_paper]
        return Acknowledgement(
            application_id=application_id, registration_no=registration_no, status=status,
            service_code=form.service_code, title=form.title.get(lang), lang=lang,
            created_at=now, local_date=_local(now), location=self.location,
            kiosk_id=self.kiosk_id, department=form.department, summary=summary,
            service_notice=form.service_notice.get(lang),
            needs_signature=form.needs_identity,
            to_sign=_lines_to_sign(form, answers, lang) if form.needs_identity else (),
            title_lv=form.title.get("lv"))

    # -- submitting ------------------------------------------------------------------------
    async def submit(self, form: FormDefinition, answers: dict[str, Any],
                     lang: str) -> Acknowledgement:
        now = self.clock.now()
        application_id = secrets.token_hex(5).upper()
        body = self._body(form, answers, lang, application_id, now)
        if form.needs_identity:
            # Held, not sent: the librarian confirms the ID and the signature first.
            hold = {"request": body, "title": form.title.model_dump()}
            await asyncio.to_thread(self.journal.outbox_put, KIND_HOLD,
                                    f"hold:{application_id}", hold)
            send = self.operator_send()
            if send is not None:  # the librarian filling it in checks the ID: sent now
                try:
                    sent = await self.confirm_identity(application_id, "", send=send)
                except Exception as exc:
                    log.warning("held for the review queue: %s", getattr(exc, "code", exc))
                else:
                    return self.acknowledgement(form, answers, lang, application_id, now,
                                                "received", sent.registration_no)
            return self.acknowledgement(form, answers, lang, application_id, now,
                                        "awaiting_identity", None)
        key = str(uuid.uuid4())
        # Journaled before the request: a crash or a dead gateway leaves it in the outbox.
        item_id = await asyncio.to_thread(self.journal.outbox_put, KIND_SEND, key, body)
        receipt = await self._send(item_id, key, body)
        if receipt is None:
            return self.acknowledgement(form, answers, lang, application_id, now,
                                        "will_be_sent", None)
        return self.acknowledgement(form, answers, lang, application_id, now, "received",
                                    receipt.registration_no)

    async def _send(self, item_id: int, key: str, body: dict[str, Any]) -> ApplicationReceipt | None:
        """Send one outbox item; None when it stays queued (gateway unreachable or busy)."""
        from kiosk.gateway_client import GatewayError

        async with self._send_lock:
            pending = {i.id for i in await asyncio.to_thread(self.journal.outbox_pending)}
            if item_id not in pending:  # a concurrent flush already sent it
                return self.receipts.get(body.get("client_application_id", ""))
            try:
                receipt = await self.api.submit_application(body, idempotency_key=key)
            except GatewayError as exc:
                await asyncio.to_thread(self.journal.outbox_failed_attempt, item_id, exc.code)
                if exc.retryable or exc.status == 0 or exc.status >= 500:
                    return None
                # Refused for good: keep the item (a librarian can see it in the journal) but
                # tell the wizard now, so the resident is not told "sent".
                raise SubmissionRejected(exc.code, exc.field_errors) from None
            await asyncio.to_thread(self.journal.outbox_done, item_id)
        app_id = body.get("client_application_id")
        if app_id:
            self.receipts[app_id] = receipt
        return receipt

    async def flush_outbox(self) -> int:
        """Send everything queued, oldest first; stops at the first sign the gateway is down."""
        sent = 0
        for item in await asyncio.to_thread(self.journal.outbox_pending, KIND_SEND):
            try:
                receipt = await self._send(item.id, item.key, item.body)
            except SubmissionRejected:
                log.warning("outbox item %s refused by the gateway", item.id)
                continue
            if receipt is None:
                return sent
            sent += 1
        return sent

    # -- the librarian's identity queue ----------------------------------------------------
    async def identity_queue(self) -> list[PendingIdentity]:
        items = await asyncio.to_thread(self.journal.outbox_pending, KIND_HOLD)
        return [PendingIdentity(application_id=i.body["request"]["client_application_id"],
                                service_code=i.body["request"]["service_code"],
                                title=i.body["title"].get("lv", ""), created_at=i.created_at,
                                outbox_id=i.id) for i in items]

    async def confirm_identity(self, application_id: str, operator: str, *,
                               send: OperatorSend) -> ApplicationReceipt:
        """The librarian checked the ID and the signature: send the held application now, on
        their operator session (`send`), which the gateway answers `received`.

        The held item stays in the journal until the gateway answered, so a failure (raised)
        leaves it in the review queue; the key is the same for the same application, so a retry
        is never a second application. Unknown id: KeyError.
        """
        held = next((i for i in await asyncio.to_thread(self.journal.outbox_pending, KIND_HOLD)
                     if i.body["request"]["client_application_id"] == application_id), None)
        if held is None:
            raise KeyError(application_id)
        body = dict(held.body["request"])
        body["identity"] = ({"assurance": "librarian_checked_id", "operator_id": operator}
                            if operator else {"assurance": "librarian_checked_id"})
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kac-application:{application_id}"))
        receipt = await send(body, key)
        await asyncio.to_thread(self.journal.outbox_done, held.id)
        self.receipts[application_id] = receipt
        return receipt
