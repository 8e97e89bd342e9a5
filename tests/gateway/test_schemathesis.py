"""Schemathesis against the live gateway: property-based requests made from its own OpenAPI
document, every check on, no server error and no answer the document does not describe.

`st run` (a separate process, as an outsider would run it) targets the real uvicorn gateway of this
test session on loopback (SQLite, and PostgreSQL when configured), with a kiosk token, through all
four phases (examples, coverage, fuzzing, stateful), bounded by time. What the configuration tells
Schemathesis, and why:
- every Idempotency-Key that fits the documented form is made unique per request (`before_call`):
  a real client never reuses a key for another body, and the reuse answer (422) is tested in
  test_gateway_api.py;
- times are generated with a year from 2000 to 2099, as the document's pattern for them says
  (Schemathesis would otherwise draw years 1-9999 and filter most of them away), and a day away
  from either end, so that any offset keeps them within 2000-2099 in UTC too;
- a float with no fraction (`10.0`) is sent as the integer it equals: JSON Schema counts it as an
  integer, the API refuses it on purpose (strict integers; test_hardening_input.py tests that);
- generated strings hold no NUL: the API refuses them by design (422 `invalid-unicode`:
  PostgreSQL cannot store them), which JSON Schema cannot express;
- a few operations refuse schema-valid requests on facts the schema cannot carry, so the positive
  check also accepts their refusal there: the answers of an application are checked against the
  form its `service_code` names (422), a scanned text must be an invoice code and an amount must
  not exceed what is due (422), a receipt payload must carry a valid signature (400), a statistics
  period must not end before it begins (422), the desk's records take times and dates only near
  today and banknotes and coins of the euro only (422).
SCHEMATHESIS_SEED and SCHEMATHESIS_MAX_TIME change the seed and the time budget.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gw_helpers import Gateway

HOOKS = '''
import re
import uuid
from datetime import datetime, timedelta, timezone

import schemathesis
from hypothesis import strategies as st

# Times the API takes: a year from 2000 to 2099 both as written (the document's pattern) and in
# UTC, any offset (a day's margin at each end keeps both true for every offset).
schemathesis.openapi.format("date-time", st.builds(
    lambda moment, minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
    st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2099, 12, 30, 23, 59, 59)),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
))

# The documented form of an Idempotency-Key (gateway.deps.IdempotencyKey).
_KEY = re.compile(r'^(?:"[ !#-~]{1,255}"|[!#-~]{1,255})$')


def _whole(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole(v) for v in value]
    return value


@schemathesis.hook
def before_call(context, case, kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) and _KEY.match(headers[name]):
            headers[name] = '"' + str(uuid.uuid4()) + '"'
    if isinstance(case.body, dict | list):
        case.body = _whole(case.body)
'''

# Operations whose refusal of a schema-valid request depends on data the schema cannot describe.
DOMAIN_REFUSALS = {
    "/api/v1/applications": ["422"],
    "/api/v1/invoice-searches": ["422"],
    "/api/v1/payment-intents": ["422"],
    "/r/{payload}": ["400"],
    "/api/v1/statistics": ["422"],
    # The desk's records refuse times and dates outside a window around today (422).
    "/api/v1/service-events": ["422"],
    "/api/v1/terminal-reconciliations": ["422"],
    "/api/v1/shifts/{shift_id}/close": ["422"],
    # Wrong sign-ins back off per (kiosk, typed name), known name or not: the generator's repeated
    # names meet the wait (423).
    "/api/v1/operator-sessions": ["423"],
}
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # Schemathesis' own default


def _config(seed: int, max_examples: int, token: str) -> str:
    lines = [
        'hooks = "st_hooks"',
        f"seed = {seed}",
        # As the document's security scheme, so Schemathesis knows when it leaves the token out.
        "[auth.openapi.HTTPBearer]",
        f'bearer = "{token}"',
        "[generation]",
        f"max-examples = {max_examples}",
        "allow-x00 = false",
    ]
    for path, extra in DOMAIN_REFUSALS.items():
        lines += ["[[operations]]", f'include-path = "{path}"',
                  "[operations.checks.positive_data_acceptance]",
                  f"expected-statuses = {json.dumps(ACCEPTED + extra)}"]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_schemathesis_finds_nothing(gw: Gateway, tmp_path: Path, artifacts: Path) -> None:
    _kid, token = gw.add_kiosk()
    seed = int(os.environ.get("SCHEMATHESIS_SEED", "20261127"))
    # SQLite gets the longer run; PostgreSQL (same code, other database) a shorter one.
    max_time = int(os.environ.get("SCHEMATHESIS_MAX_TIME", "60" if gw.backend == "sqlite" else "35"))
    (tmp_path / "st_hooks.py").write_text(HOOKS, encoding="utf-8")
    (tmp_path / "schemathesis.toml").write_text(_config(seed, 25, token), encoding="utf-8")
    report = tmp_path / "report.json"
    st = Path(sys.executable).with_name("st")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NO_COLOR": "1"}
    run = subprocess.run(
        [str(st), "--config-file", str(tmp_path / "schemathesis.toml"), "run", f"{gw.base_url}/openapi.json",
         "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "--max-time", str(max_time),
         "--request-timeout", "20", "--workers", "2",
         "--report", "json", "--report-json-path", str(report)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=max_time + 240)
    out = run.stdout + run.stderr
    artifacts.joinpath(f"schemathesis-{gw.backend}.txt").write_text(out, encoding="utf-8")
    summary = out[out.find("SUMMARY"):] if "SUMMARY" in out else out[-4000:]
    assert run.returncode == 0, f"Schemathesis found problems (seed {seed}):\n{out[-12000:]}"
    assert "Tested: " in summary and "generated" in summary, summary
