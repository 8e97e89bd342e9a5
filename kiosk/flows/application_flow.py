"""Submitting a municipal application: the wizard's state (one step per screen) and the sending.

`ApplicationFlow` is one resident's visit (steps, answers, review, privacy notice, submit);
`ApplicationService` lives as long as the app and owns the journal outbox: it sends applications,
re-sends them after the gateway was down (`flush_outbox`, exactly once thanks to the idempotency
key journaled first), and keeps the librarian's queue of applications waiting for an ID check.

Identity: a form that needs `librarian_checked_id` is printed for a handwritten signature and held
in the kiosk's journal (`awaiting_identity`); it is sent only when a librarian calls
`confirm_identity(application_id, operator)` after checking the ID and the signature.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol
from zoneinfo import ZoneInfo

from common.clock import Clock, SystemClock
from common.forms.definition import FieldDef, FormDefinition, Step
from common.forms.routing import applicable_fields, next_step_id, path, visible_fields
from common.forms.validate import AnswerCheck, validate_answer
from common.i18n import N_, gettext
from common.money import format_eur
from common.personal_code import mask as mask_personal_code
from kiosk.journal import Journal

log = logging.getLogger(__name__)
LOCAL_TZ = ZoneInfo("Europe/Riga")

KIND_SEND = "application"
KIND_HOLD = "application-hold"

CONTROLLER = "Cēsu novada pašvaldība"

Status = Literal["received", "awaiting_identity", "will_be_sent"]


class FormsApi(Protocol):
    async def submit_application(self, body: dict[str, Any], *,
                                 idempotency_key: str) -> dict[str, Any]: ...


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
class Acknowledgement:
    """What the application acknowledgement slip prints; no personal code, account or income."""

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
class ReviewItem:
    step_id: str  # the "change" target
    code: str
    label: str
    value: str


@dataclass(frozen=True)
class PendingIdentity:
    """One entry of the librarian's queue (no personal data on the list itself)."""

    application_id: str
    service_code: str
    title: str
    created_at: datetime
    outbox_id: int


def _local(dt: datetime) -> str:
    return dt.astimezone(LOCAL_TZ).strftime("%d.%m.%Y %H:%M")


def display_value(f: FieldDef, value: Any, lang: str) -> str:
    """An answer as a resident reads it back; personal code and account are masked."""
    if value is None:
        return "—"
    dt = f.datatype
    if dt == "boolean":
        return gettext("Yes", lang) if value else gettext("No", lang)
    if dt == "singlevaluelist":
        c = f.choice(value)
        return c.name.get(lang) if c else str(value)
    if dt == "multivaluelist":
        return ", ".join(c.name.get(lang) for k in value if (c := f.choice(k)))
    if dt == "amount":
        return format_eur(int(value))
    if dt == "date":
        return date.fromisoformat(value).strftime("%d.%m.%Y")
    if dt in ("number", "decimal"):
        return str(value).replace(".", ",")
    if dt == "personal_code":
        return mask_personal_code(value)
    if dt == "iban":
        return f"{value[:4]} **** {value[-4:]}"
    return str(value)


def retention_text(iso: str, lang: str) -> str:
    """`P5Y` -> "5 gadi" / "5 years" / "5 лет" (CLDR plurals via Babel)."""
    import re

    from babel.units import format_unit

    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?", iso)
    parts = []
    if m:
        for n, unit in zip(m.groups(), ("duration-year", "duration-month", "duration-day")):
            if n:
                parts.append(format_unit(int(n), unit, length="long", locale=lang))
    return " ".join(parts) or iso


def privacy_notice(form: FormDefinition, lang: str, *, dpo_contact: str,
                   controller: str = CONTROLLER) -> list[str]:
    """The GDPR Art. 13 notice as paragraphs, shown before the first question and on review."""
    paras = [
        gettext("Your data is processed by {controller}.", lang, controller=controller),
        gettext("Purpose: to handle your application \"{title}\". Legal basis: performing the "
                "municipality's public tasks (GDPR Article 6(1)(e)), not consent.", lang,
                title=form.title.get(lang)),
    ]
    if form.legal_basis is not None:
        paras.append(gettext("Law: {law}.", lang, law=form.legal_basis.get(lang)))
    paras += [
        gettext("Who receives it: the municipality's {department} staff handling the "
                "application.", lang, department=department_name(form.department, lang)),
        gettext("How long: the application is kept for {period}, then deleted.", lang,
                period=retention_text(form.retention, lang)),
        gettext("Your rights: to see your data, to have it corrected, to object or ask for "
                "restriction, and to complain to the Data State Inspectorate (dvi.gov.lv).", lang),
        gettext("Data protection officer: {contact}.", lang, contact=dpo_contact),
    ]
    return paras


_DEPARTMENTS = {
    "social": N_("social service"),
    "construction": N_("building board"),
    "chancery": N_("client service"),
}


def department_name(code: str, lang: str) -> str:
    msgid = _DEPARTMENTS.get(code)
    return gettext(msgid, lang) if msgid else code


# -- the long-lived service --------------------------------------------------------------------
class ApplicationService:
    """Sends applications through the journal's outbox; one per app (outlives visits)."""

    def __init__(self, journal: Journal, api: FormsApi, *, kiosk_id: str, location: str,
                 clock: Clock | None = None, dpo_contact: str = "") -> None:
        self.journal = journal
        self.api = api
        self.kiosk_id = kiosk_id
        self.location = location
        self.clock = clock or SystemClock()
        self.dpo_contact = dpo_contact
        self.receipts: dict[str, dict[str, Any]] = {}  # application_id -> gateway receipt
        self._send_lock = asyncio.Lock()

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
                   if f.code in answers and not f.is_sensitive and f.datatype != "text"]
        return Acknowledgement(
            application_id=application_id, registration_no=registration_no, status=status,
            service_code=form.service_code, title=form.title.get(lang), lang=lang,
            created_at=now, local_date=_local(now), location=self.location,
            kiosk_id=self.kiosk_id, department=form.department, summary=summary,
            service_notice=form.service_notice.get(lang),
            needs_signature=form.needs_identity)

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
                                    receipt["registration_no"])

    async def _send(self, item_id: int, key: str, body: dict[str, Any]) -> dict[str, Any] | None:
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

    async def confirm_identity(self, application_id: str, operator: str) -> dict[str, Any] | None:
        """The librarian checked the ID and the signature: send the held application now.

        Returns the gateway's receipt (with `registration_no`), or None if it is queued because
        the gateway is down (flush_outbox sends it later). Unknown id: KeyError.
        """
        held = next((i for i in await asyncio.to_thread(self.journal.outbox_pending, KIND_HOLD)
                     if i.body["request"]["client_application_id"] == application_id), None)
        if held is None:
            raise KeyError(application_id)
        body = dict(held.body["request"])
        body["identity"] = {"assurance": "librarian_checked_id", "operator_id": operator}
        # Same key for the same held application: a crash between these two writes and a second
        # confirmation cannot queue it twice (outbox_put ignores a repeated key).
        key = str(uuid.uuid5(uuid.NAMESPACE_URL, f"kac-application:{application_id}"))
        item_id = await asyncio.to_thread(self.journal.outbox_put, KIND_SEND, key, body)
        await asyncio.to_thread(self.journal.outbox_done, held.id)
        return await self._send(item_id, key, body)


# -- one resident's visit ----------------------------------------------------------------------
Phase = Literal["steps", "review", "dead_end", "submitting", "done"]


@dataclass
class ApplicationFlow:
    """The wizard's state. Screens render it and call its methods; it imports no Kivy.

    - `phase`: "steps" (show `current_step`), "review", "dead_end" (the routing ended on an
      information-only step: show it, no submit), "submitting", "done" (`acknowledgement`).
    - `answers`: normalised values by field code (kept when going back or routing elsewhere;
      only the answers on the final path are sent); `texts`: what was typed, for re-display;
      `errors`: field code -> AnswerCheck with the error code (`.message(lang)`).
    """

    form: FormDefinition
    service: ApplicationService
    lang: str = "lv"
    phase: Phase = "steps"
    step_id: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    texts: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, AnswerCheck] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    returning_to_review: bool = False
    acknowledgement: Acknowledgement | None = None

    def __post_init__(self) -> None:
        if not self.step_id:
            self.step_id = self.form.steps[0].id

    # -- reading state ---------------------------------------------------------------------
    @property
    def current_step(self) -> Step:
        return self.form.step(self.step_id)

    def visible_fields(self) -> list[FieldDef]:
        return visible_fields(self.current_step, self.answers)

    def path(self) -> list[Step]:
        return path(self.form, self.answers)

    @property
    def progress(self) -> float:
        """0.0 at the first step, 1.0 on review; follows the routing of the answers so far."""
        if self.phase != "steps":
            return 1.0
        ids = [s.id for s in self.path()]
        pos = ids.index(self.step_id) if self.step_id in ids else len(self.history)
        return pos / (len(ids) + 1)  # +1: the review is the last screen

    @property
    def can_go_back(self) -> bool:
        return bool(self.history) or self.phase in ("review", "dead_end")

    def title(self) -> str:
        return self.form.title.get(self.lang)

    def today(self) -> date:
        return self.service.clock.now().astimezone(LOCAL_TZ).date()

    # -- answering -------------------------------------------------------------------------
    def set_answer(self, code: str, raw: Any) -> AnswerCheck:
        f = self.form.field(code)
        check = validate_answer(f, raw, self.lang, today=self.today())
        self.texts[code] = raw
        if check.ok:
            self.errors.pop(code, None)
            if check.value is None:
                self.answers.pop(code, None)
            else:
                self.answers[code] = check.value
        else:
            self.errors[code] = check
            self.answers.pop(code, None)  # never keep a stale value behind an error
        return check

    def _check_step(self, step: Step) -> bool:
        ok = True
        for f in visible_fields(step, self.answers):
            if not f.is_input:
                continue
            if f.code in self.errors:
                ok = False
                continue
            check = validate_answer(f, self.answers.get(f.code), self.lang, today=self.today())
            if not check.ok:
                self.errors[f.code] = check
                ok = False
        return ok

    def next(self) -> bool:
        """Go on if the current step's answers are fine; False (with `errors`) otherwise."""
        if self.phase != "steps" or not self._check_step(self.current_step):
            return False
        nxt = next_step_id(self.current_step, self.answers)
        if nxt is None:
            self.history.append(self.step_id)
            has_input = any(f.is_input for f in self.visible_fields())
            self.phase = "review" if has_input else "dead_end"
            return True
        self.history.append(self.step_id)
        self.step_id = nxt
        step = self.current_step
        if next_step_id(step, self.answers) is None and not any(
                f.is_input for f in self.visible_fields()):
            # The routing ends on information only (e.g. "not for district heating"): no review.
            self.phase = "dead_end"
        elif self.returning_to_review and self._rest_complete():
            self.phase = "review"
        return True

    def _rest_complete(self) -> bool:
        ids = [s.id for s in self.path()]
        rest = ids[ids.index(self.step_id):] if self.step_id in ids else []
        if not rest or not any(f.is_input for f in visible_fields(self.form.step(rest[-1]),
                                                                   self.answers)):
            return False
        return all(validate_answer(f, self.answers.get(f.code), self.lang,
                                   today=self.today()).ok
                   for sid in rest for f in visible_fields(self.form.step(sid), self.answers)
                   if f.is_input)

    def back(self) -> bool:
        """The previous screen; answers stay. False on the first step (the screen leaves)."""
        if self.phase == "dead_end":
            self.phase = "steps"
            self.step_id = self.history.pop() if self.history else self.step_id
            return True
        if self.phase == "review":
            # history's top is the last step answered (next() pushes it on reaching the review)
            self.phase = "steps"
            self.step_id = self.history.pop() if self.history else self.step_id
            return True
        if self.phase != "steps" or not self.history:
            return False
        self.step_id = self.history.pop()
        return True

    def change(self, step_id: str) -> None:
        """From the review: edit one step; Next returns to the review once all is complete."""
        if step_id not in [s.id for s in self.path()]:
            raise KeyError(step_id)
        ids = [s.id for s in self.path()]
        self.history = ids[:ids.index(step_id)]
        self.step_id = step_id
        self.phase = "steps"
        self.returning_to_review = True

    # -- review, privacy, submit -----------------------------------------------------------
    def submitted_answers(self) -> dict[str, Any]:
        return {f.code: self.answers[f.code] for f in applicable_fields(self.form, self.answers)
                if f.code in self.answers}

    def review_items(self) -> list[ReviewItem]:
        items = []
        for step in self.path():
            for f in visible_fields(step, self.answers):
                if f.is_input:
                    items.append(ReviewItem(step.id, f.code, f.label.get(self.lang),
                                            display_value(f, self.answers.get(f.code), self.lang)))
        return items

    def privacy_notice(self) -> list[str]:
        return privacy_notice(self.form, self.lang, dpo_contact=self.service.dpo_contact)

    async def submit(self) -> Acknowledgement:
        if self.phase != "review":
            raise RuntimeError(f"submit from phase {self.phase}")
        answers = self.submitted_answers()
        # The same checks the gateway runs, so "sent" is never followed by a refusal.
        from common.forms.schema import check_submission

        problems = check_submission(self.form, answers, today=self.today())
        if problems:
            for p in problems:
                code = p.pointer.rsplit("/", 1)[-1]
                self.errors[code] = AnswerCheck(error=p.code, params=p.params)
            first = problems[0].pointer.rsplit("/", 1)[-1]
            if first in {f.code for f in self.form.fields()}:
                self.change(self.form.step_of(first).id)
            raise SubmissionRejected("validation-error", problems)
        self.phase = "submitting"
        try:
            ack = await self.service.submit(self.form, answers, self.lang)
        except BaseException:
            self.phase = "review"
            raise
        self.acknowledgement = ack
        self.phase = "done"
        return ack

    def switch_language(self, lang: str) -> None:
        self.lang = lang
