"""The municipality's statistics page, `/admin/`: coordinators sign in with a password and see, per
library and month, bar charts (SVG made here) and the yearly report's table, and download it as
CSV (docs/architecture.md, "The municipality's statistics page").

Server-rendered HTML (Jinja2), no JavaScript; Latvian first, English and Russian from the catalogs
(admin.po). Every form carries a CSRF token: the sign-in form a pre-session cookie's (signed by the
gateway, so a client cannot make one up), the others the session's. The session cookie is HttpOnly
and SameSite=Strict. A sign-in is checked cheaply first — its CSRF token, then the attempts of its
address and name (`gateway.login_limits`, 429) — and only then hashed, in a slot of
`gateway.hash_gate` (503 when none is free).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from common import csv_safe
from common.i18n import LANGUAGES, gettext
from common.schema import Statistics
from gateway import hash_gate
from gateway.deps import DbSession, Now, applications_settings
from gateway.login_limits import LoginLimits
from gateway.problems import ProblemError
from gateway.routes.admin_page import ADMIN_CSS, TEXTS, column_label, render
from gateway.services import admin_auth, admin_report, desk_problems
from gateway.services.admin_auth import AdminSession
from gateway.services.desk_actor import Actor
from gateway.services.kiosk_status import kiosk_overview
from gateway.services.statistics import statistics
from gateway.settings import local_date

router = APIRouter(prefix="/admin", include_in_schema=False)

COOKIE = "kac_admin"
LOGIN_COOKIE = "kac_admin_login"  # the sign-in form's CSRF token, before there is a session
MAX_FORM = 4096
REFUSAL_PAUSE_S = 1.0  # before a refused sign-in is answered (asyncio: no thread, no CPU)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
COORDINATOR = Actor(kiosk_id="", location_code="", operator="admin", coordinator=True)


def _lang(value: str | None) -> str:
    return value if value in LANGUAGES else "lv"


async def form_body(request: Request) -> dict[str, str]:
    """An urlencoded form (first value of each field); anything else or too long is empty."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return {}
    raw = await request.body()
    if len(raw) > MAX_FORM:
        return {}
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return {k: v[0] for k, v in parsed.items()}


Form = Annotated[dict[str, str], Depends(form_body)]


def _page(html: str, status: int = 200, retry_after: int | None = None) -> HTMLResponse:
    headers = SECURITY_HEADERS if retry_after is None else {**SECURITY_HEADERS, "Retry-After": str(retry_after)}
    return HTMLResponse(html, status_code=status, headers=headers)


def _session(request: Request, db: DbSession, now: Now) -> AdminSession | None:
    with db.begin():
        return admin_auth.session_for(db, request.cookies.get(COOKIE), now)


MaybeSession = Annotated[AdminSession | None, Depends(_session)]


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/admin", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def _refused(lang: str) -> HTMLResponse:
    return _page(render("message.html", lang=lang, message=gettext(TEXTS["csrf"], lang), link="/admin/login"), 403)


@router.get("/admin.css")
def stylesheet() -> Response:
    return Response(ADMIN_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def _login_key(request: Request) -> bytes:
    """The key sign-in forms' CSRF tokens are signed with: derived from the gateway's applications
    key, so every worker of the gateway accepts the tokens any of them issued."""
    pepper = applications_settings(request).pepper
    return hmac.new(pepper, b"kac-admin-login-csrf-v1", hashlib.sha256).digest()


def _limits(request: Request) -> LoginLimits:
    limits: LoginLimits | None = getattr(request.app.state, "login_limits", None)
    if limits is None:
        limits = request.app.state.login_limits = LoginLimits()
    return limits


@router.get("/login")
def login_form(request: Request, now: Now, lang: str | None = None) -> HTMLResponse:
    lang = _lang(lang)
    key = _login_key(request)
    token = request.cookies.get(LOGIN_COOKIE) or ""
    if not admin_auth.login_token_valid(key, token, now):
        token = admin_auth.login_token(key, now)
    response = _page(render("login.html", lang=lang, csrf=token, error=""))
    _cookie(response, request, LOGIN_COOKIE, token, int(admin_auth.LOGIN_FORM_TTL.total_seconds()))
    return response


def _busy(lang: str) -> HTMLResponse:
    return _page(render("message.html", lang=lang, message=gettext(TEXTS["busy"], lang), link="/admin/login"),
                 503, retry_after=hash_gate.RETRY_AFTER_S)


def _sign_in(db: Session, name: str, password: str, now: datetime) -> admin_auth.SignIn:
    with hash_gate.gate().slot():
        return admin_auth.sign_in(db, name, password, now)


@router.post("/login")
async def login(request: Request, form: Form, db: DbSession, now: Now) -> Response:
    # Async up to the hashing: a refused attempt costs no thread of the pool the kiosks' API uses,
    # and is answered after a pause that costs nothing either, so a client waiting for its answers
    # cannot make the gateway turn sign-ins away as fast as it can send them.
    lang = _lang(form.get("lang"))
    expected = request.cookies.get(LOGIN_COOKIE) or ""
    if not admin_auth.login_token_valid(_login_key(request), expected, now) \
            or not admin_auth.same_token(expected, form.get("csrf")):
        await asyncio.sleep(REFUSAL_PAUSE_S)
        return _refused(lang)
    name = form.get("name", "")
    wait = _limits(request).attempt(request.client.host if request.client else None, name)
    if wait:
        await asyncio.sleep(REFUSAL_PAUSE_S)
        return _page(render("message.html", lang=lang, message=gettext(TEXTS["too_many"], lang),
                            link="/admin/login"), 429, retry_after=wait)
    if hash_gate.gate().full():
        await asyncio.sleep(REFUSAL_PAUSE_S)
        return _busy(lang)  # without a hop to the thread pool
    try:
        result = await run_in_threadpool(_sign_in, db, name, form.get("password", ""), now)
    except hash_gate.Busy:
        await asyncio.sleep(REFUSAL_PAUSE_S)
        return _busy(lang)
    if result.outcome != "ok":
        key, status = ("locked", 423) if result.outcome == "locked" else ("wrong", 401)
        return _page(render("login.html", lang=lang, csrf=expected, error=gettext(TEXTS[key], lang)), status)
    response = RedirectResponse(f"/admin/?{urlencode({'lang': lang})}", status_code=303, headers=SECURITY_HEADERS)
    _cookie(response, request, COOKIE, result.token, int(admin_auth.SESSION_TTL.total_seconds()))
    response.delete_cookie(LOGIN_COOKIE, path="/admin")
    return response


@router.post("/logout")
def logout(form: Form, session: MaybeSession, db: DbSession, now: Now) -> Response:
    lang = _lang(form.get("lang"))
    if session is None or not admin_auth.same_token(session.csrf, form.get("csrf")):
        return _refused(lang)
    with db.begin():
        admin_auth.sign_out(db, session, now)
    response = RedirectResponse(f"/admin/login?{urlencode({'lang': lang})}", status_code=303,
                                headers=SECURITY_HEADERS)
    response.delete_cookie(COOKIE, path="/admin")
    return response


def _date(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _query(request: Request, now: Any) -> dict[str, Any]:
    q = request.query_params
    year = local_date(now).year
    start = _date(q.get("from"), date(year, 1, 1))
    end = _date(q.get("to"), date(year, 12, 31))
    measure = q.get("measure") or admin_report.DEFAULT_MEASURE
    return {"lang": _lang(q.get("lang")), "start": min(start, end), "end": max(start, end),
            "location": q.get("location") or "",
            "measure": measure if admin_report.is_measure(measure) else admin_report.DEFAULT_MEASURE}


def _stats(db: DbSession, p: dict[str, Any]) -> Statistics | None:
    with db.begin():
        try:
            return statistics(db, COORDINATOR, location=p["location"] or None, start=p["start"], end=p["end"],
                              group="month")
        except ProblemError as exc:
            if exc.code in (desk_problems.RANGE_TOO_LONG, "validation-error"):
                return None
            raise


def _login_redirect(lang: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/login?{urlencode({'lang': lang})}", status_code=303, headers=SECURITY_HEADERS)


@router.get("/")
def dashboard(request: Request, session: MaybeSession, db: DbSession, now: Now) -> Response:
    p = _query(request, now)
    if session is None:
        return _login_redirect(p["lang"])
    with db.begin():
        all_locations = statistics(db, COORDINATOR, location=None, start=p["start"], end=p["start"],
                                   group="day").locations
    stats = _stats(db, p)
    context: dict[str, Any] = {"lang": p["lang"], "session": session, "p": p, "all_locations": all_locations,
                               "stats": stats, "query": {k: v for k, v in request.query_params.items()}}
    with db.begin():  # every kiosk's last heartbeat and what needs a person (kiosk_status)
        context["kiosks"] = kiosk_overview(db, now)
    if stats is not None:
        label, lang = column_label(p["measure"], p["lang"]), p["lang"]
        context.update(
            month_chart=admin_report.vertical_chart(gettext(TEXTS["by_month"], lang, measure=label),
                                                    admin_report.by_month(stats, p["measure"])),
            location_chart=admin_report.horizontal_chart(gettext(TEXTS["by_library"], lang, measure=label),
                                                         admin_report.by_location(stats, p["measure"])),
            grand_total=admin_report.grand_total(stats.totals),
            csv_query=urlencode({"from": p["start"].isoformat(), "to": p["end"].isoformat(),
                                 "location": p["location"], "lang": p["lang"]}),
        )
    return _page(render("dashboard.html", **context))


@router.get("/statistics.csv")
def statistics_csv(request: Request, session: MaybeSession, db: DbSession, now: Now) -> Response:
    p = _query(request, now)
    if session is None:
        return _login_redirect(p["lang"])
    stats = _stats(db, p)
    if stats is None:
        return _page(render("message.html", lang=p["lang"], message=gettext(TEXTS["too_long"], p["lang"]),
                            link="/admin/"), 422)
    buf = io.StringIO()
    writer = csv_safe.writer(buf, delimiter=";")
    writer.writerow(admin_report.csv_header())
    writer.writerows(admin_report.csv_rows(stats))
    name = f"statistika-{p['start'].isoformat()}-{p['end'].isoformat()}.csv"
    headers = dict(SECURITY_HEADERS, **{"Content-Disposition": f'attachment; filename="{name}"'})
    # A byte-order mark, so spreadsheets open the Latvian letters as UTF-8.
    return Response("\ufeff" + buf.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)

