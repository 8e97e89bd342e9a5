"""Gateway fixtures: one real uvicorn server per database (SQLite file, PostgreSQL) per session.

PostgreSQL comes from KIOSK_TEST_PG_URL or the libpq PG* variables (run under `pg_virtualenv`); a
fresh database is created per session and dropped afterwards. Without PostgreSQL its tests skip,
unless KIOSK_REQUIRE_POSTGRES=1: then they fail (CI must not pass by skipping them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from gw_helpers import Gateway, create_pg_database, pg_admin_url, start_gateway

ARTIFACTS = Path(__file__).resolve().parents[1] / "_artifacts" / "gateway"


def _require_pg() -> bool:
    return os.environ.get("KIOSK_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    admin_url = pg_admin_url()
    if admin_url is None:
        if _require_pg():
            pytest.fail("KIOSK_REQUIRE_POSTGRES=1 but no PostgreSQL configured (KIOSK_TEST_PG_URL or PG* env)")
        pytest.skip("no PostgreSQL (set KIOSK_TEST_PG_URL or run under pg_virtualenv)")
    try:
        url, drop = create_pg_database(admin_url)
    except Exception as exc:
        if _require_pg():
            pytest.fail(f"KIOSK_REQUIRE_POSTGRES=1 but PostgreSQL is not usable: {type(exc).__name__}")
        pytest.skip(f"PostgreSQL not usable: {type(exc).__name__}")
    yield url
    drop()


@pytest.fixture(scope="session")
def gateway_key_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One key for the session's gateways and for the commands the tests run in-process
    (`applications export` decrypts what the gateway encrypted), as on one gateway host."""
    from gateway.settings import KEY_ENV

    key_file = tmp_path_factory.mktemp("gw-key") / "gateway.key"
    before = os.environ.get(KEY_ENV)
    os.environ[KEY_ENV] = str(key_file)
    yield key_file
    if before is None:
        os.environ.pop(KEY_ENV, None)
    else:
        os.environ[KEY_ENV] = before


@pytest.fixture(scope="session")
def sqlite_gateway(tmp_path_factory: pytest.TempPathFactory,
                   gateway_key_file: Path) -> Iterator[Gateway]:
    path = tmp_path_factory.mktemp("gw-sqlite") / "gateway.sqlite3"
    gw = start_gateway("sqlite", f"sqlite:///{path}", gateway_key_file)
    yield gw
    gw.server.stop()
    gw.engine.dispose()


@pytest.fixture(scope="session")
def postgres_gateway(pg_url: str, gateway_key_file: Path) -> Iterator[Gateway]:
    gw = start_gateway("postgres", pg_url, gateway_key_file)
    yield gw
    gw.server.stop()
    gw.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def gw(request: pytest.FixtureRequest) -> Gateway:
    return request.getfixturevalue(f"{request.param}_gateway")  # type: ignore[no-any-return]


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
