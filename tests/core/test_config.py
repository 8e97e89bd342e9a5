import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_the_demo() -> None:
    cfg = config.KioskConfig()
    assert cfg.demo and cfg.embedded_gateway and not cfg.fullscreen and not cfg.lockdown
    assert cfg.terminal.driver == "simulator" and cfg.printer.device == "preview"
    assert cfg.timeouts.inactivity_warning_s == 90 and cfg.timeouts.inactivity_reset_s == 30


def test_example_config_is_valid() -> None:
    cfg = config.load(ROOT / "config" / "kiosk.example.toml")
    assert not cfg.demo and cfg.fullscreen and cfg.lockdown
    assert cfg.terminal.driver == "nexo"


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "kiosk.toml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(
    "text, key, words",
    [
        ('[terminal]\npayment_timeout_s = "soon"\n', "terminal.payment_timeout_s", "number"),
        ("[printr]\nmodel = 'x'\n", "printr", "unknown section"),
        ("[printer]\ndevise = 'usb'\n", "printer.devise", "unknown key"),
        ("[printer]\ndevice = 'bluetooth'\n", "printer.device", "preview"),
        ("[kiosk]\ngeneration = 0\n", "kiosk.generation", "greater than"),
        ("[display]\nfullscreen = 'yes'\n", "display.fullscreen", "bool"),
        ("[kiosk]\nlanguages = ['lv', 'de']\n", "kiosk.languages.1", "lv"),
        ("[kiosk\n", "(syntax)", ""),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, key: str, words: str) -> None:
    with pytest.raises(config.ConfigError) as err:
        config.load(_write(tmp_path, text))
    message = str(err.value)
    assert f": {key}: " in message and words in message


def test_integers_are_accepted_where_seconds_are_floats(tmp_path: Path) -> None:
    cfg = config.load(_write(tmp_path, "[terminal]\npayment_timeout_s = 180\n"))
    assert cfg.terminal.payment_timeout_s == 180.0


def test_missing_file_is_an_error_not_the_demo(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError):
        config.load(tmp_path / "nope.toml")


def _check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", "config", "check", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_cli_config_check(tmp_path: Path) -> None:
    bad = _check(_write(tmp_path, "[terminal]\npayment_timeout_s = true\n[foo]\n"))
    assert bad.returncode == 2
    assert "terminal.payment_timeout_s" in bad.stderr and "foo: unknown section" in bad.stderr
    assert "Traceback" not in bad.stderr
    good = _check(ROOT / "config" / "kiosk.example.toml")
    assert good.returncode == 0, good.stderr
    assert "OK" in good.stdout


def test_cli_config_check_refuses_the_public_demo_key_in_production(tmp_path: Path) -> None:
    """Regression: a production config signing with a copy of the public demo key (renamed, so
    its kid no longer says "demo") passed `kiosk config check`, yet anyone can forge its
    receipts."""
    from common.signing import demo_keys_dir, generate_kiosk_key

    copied = tmp_path / "zoseni-1-2026.key.pem"
    copied.write_bytes(next(demo_keys_dir().glob("*.key.pem")).read_bytes())
    copied.chmod(0o600)
    own = generate_kiosk_key(tmp_path / "own" / "zoseni-1-2026.key.pem")
    assert own.kid == "zoseni-1-2026"
    body = '[terminal]\ndriver = "simulator"\n[printer]\ndevice = "preview"\n[kiosk]\n'
    bad = _check(_write(tmp_path, body + f'signing_key_file = "{copied}"\n'))
    assert bad.returncode == 2 and "public demo key" in bad.stderr, bad.stderr
    good_cfg = tmp_path / "good" / "kiosk.toml"
    good_cfg.parent.mkdir()
    good_cfg.write_text(body + f'signing_key_file = "{tmp_path / "own" / "zoseni-1-2026.key.pem"}"\n',
                        encoding="utf-8")
    good = _check(good_cfg)
    assert good.returncode == 0, good.stderr


def test_cli_config_check_cross_checks(tmp_path: Path) -> None:
    bad = _check(_write(tmp_path, '[printer]\nmodel = "no-such-printer"\n'
                                  '[terminal]\ndriver = "nexo"\npayment_timeout_s = 30\n'))
    assert bad.returncode == 2
    for key in ("printer.model", "terminal.endpoint", "terminal.payment_timeout_s",
                "kiosk.signing_key_file"):
        assert key in bad.stderr
