"""Settings. The only module that reads ``os.environ``."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _cli_language(env: Mapping[str, str]) -> str:
    """English for commands when the shell's locale is English (``LANG=en_GB.UTF-8``);
    Polish otherwise. ``LC_ALL`` wins over ``LC_MESSAGES`` over ``LANG``, as in gettext."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "en" if value.lower().startswith("en") else "pl"
    return "pl"


def _secret_key(instance_path: Path, env: Mapping[str, str]) -> str:
    """Return ``SECRET_KEY`` from the environment, or one kept in the instance folder.

    Keeping a generated key on disk means sessions survive a restart without anyone
    having to invent a key for a development install.
    """
    key = env.get("SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


#: Length of a key that encrypts two-factor secrets (XChaCha20-Poly1305, PyNaCl's ``Aead``).
TOTP_KEY_BYTES = 32
#: The file under the instance folder holding those keys when ``TOTP_KEY`` is not set.
TOTP_KEY_FILE = "totp_key"


def decode_totp_key(text: str) -> bytes:
    """A key of the two-factor secrets from its base64 text; raises ``ValueError``."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("TOTP key: not base64") from exc
    if len(key) != TOTP_KEY_BYTES:
        raise ValueError(f"TOTP key: {len(key)} bytes instead of {TOTP_KEY_BYTES}")
    return key


def encode_totp_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode()


def _private_file_beside(path: Path, keys: list[bytes]) -> Path:
    """``keys`` written to a new file of their own next to ``path`` (mode 0600, synced)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, "".join(encode_totp_key(key) + "\n" for key in keys).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return temporary


def read_totp_key_file(path: Path) -> list[bytes]:
    """The keys in ``path`` (one per line, the current one first), creating the file with
    one fresh key (mode 0600) when it does not exist yet.

    Several worker processes may start at once: the new file is linked into place, which
    fails if another process got there first, so exactly one key wins and all read it.
    """
    if not path.exists():
        temporary = _private_file_beside(path, [secrets.token_bytes(TOTP_KEY_BYTES)])
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    return [decode_totp_key(line) for line in path.read_text().split()]


def write_totp_key_file(path: Path, keys: list[bytes]) -> None:
    """Replace the keys in ``path`` (the current one first) atomically, mode 0600: a
    crash leaves the old file or the new one, never half of one."""
    os.replace(_private_file_beside(path, keys), path)


def _totp_keys(instance_path: Path, env: Mapping[str, str]) -> tuple[list[bytes], str]:
    """The keys that encrypt two-factor (TOTP) secrets, the current one first, and the
    file they come from (``""`` when from the environment).

    ``TOTP_KEY`` (base64; during a rotation ``new,old``) wins; otherwise the keys live in
    ``<instance>/totp_key`` — beside the database, never in it, so a copy of the database
    alone cannot produce second-factor codes.
    """
    value = env.get("TOTP_KEY")
    if value:
        return [decode_totp_key(part) for part in value.split(",") if part.strip()], ""
    path = instance_path / TOTP_KEY_FILE
    return read_totp_key_file(path), str(path)


def rate_limits_shared(env: Mapping[str, str] | None = None) -> bool:
    """Whether the rate limits live where every worker process sees them (``REDIS_URL``);
    without it each process counts on its own (``gunicorn.conf.py`` warns at start)."""
    env = os.environ if env is None else env
    return not (env.get("REDIS_URL") or "memory://").startswith("memory://")


def from_environment(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the app configuration from environment variables (``env``: instead of the
    process environment, e.g. ``{}`` for the defaults alone)."""
    if env is None:
        env = os.environ
    instance = Path(instance_path)
    https = _bool(env.get("HTTPS"))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'election.db'}"
    idle_minutes = int(env.get("SESSION_IDLE_MINUTES") or 30)
    absolute_hours = int(env.get("SESSION_ABSOLUTE_HOURS") or 12)
    totp_keys, totp_key_file = _totp_keys(instance, env)
    return {
        "SECRET_KEY": _secret_key(instance, env),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SERVER_BASE_URL": env.get("SERVER_BASE_URL", ""),
        "HSTS": https,
        # Admins and chairs must set up two-factor login (TOTP) before anything else.
        "REQUIRE_2FA_FOR_STAFF": _bool(env.get("REQUIRE_2FA_FOR_STAFF"), default=True),
        # A logged-in session ends after this long without a request, and this long
        # after login whatever happens (checked on the server at every request).
        "SESSION_IDLE_MINUTES": idle_minutes,
        "SESSION_ABSOLUTE_HOURS": absolute_hours,
        # Two-factor secrets are stored encrypted with the first of these keys (any of
        # them decrypts); ``flask users rotate-totp-key`` replaces them.
        "TOTP_KEYS": totp_keys,
        "TOTP_KEY_FILE": totp_key_file,
        # Login throttling (election/auth/throttle.py), counting wrong passwords only, in
        # moving windows (the ``limits`` notation). Growing delays per account and
        # address, and per browser the account logged in from before ("trusted device");
        # a wide limit per address (a meeting room behind one NAT address); a limit per
        # account over all untrusted browsers (guessing from many addresses).
        "LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS": "5/minute;10/10 minutes;20/hour;40/day",
        "LOGIN_FAILURES_PER_DEVICE": "5/minute;10/10 minutes;20/hour;40/day",
        "LOGIN_FAILURES_PER_ADDRESS": "30/minute;300/hour;1000/day",
        "LOGIN_FAILURES_PER_ACCOUNT": "50/hour;200/day",
        # The account's owner is emailed after this many failures within an hour (once
        # an hour at most).
        "LOGIN_FAILURES_BEFORE_NOTICE": 5,
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=absolute_hours),
        # How many reverse proxies (nginx) stand in front and set X-Forwarded-*; 0: none.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL", "memory://"),
        # Namespaces the limits when several apps share one Redis.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "rada-sekap"),
        # Explicit, because Flask-Limiter keeps the last app's choice on its shared
        # object: an app made with limits off would otherwise switch them off for good.
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS")),
        "SMTP_SENDER": env.get("SMTP_SENDER", "Rada SEKAP <rada-sekap@localhost>"),
        "LMS_URL": env.get("LMS_URL", ""),
        "LMS_TOKEN": env.get("LMS_TOKEN", ""),
        "LMS_COURSE": env.get("LMS_COURSE", ""),
        # The language of `flask lms …` output; `--lang` chooses per command.
        "CLI_LANGUAGE": _cli_language(env),
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "PARTNERS_CSV": env.get(
            "PARTNERS_CSV",
            str(Path(__file__).resolve().parent.parent / "data" / "terc-slaskie.csv"),
        ),
    }


def defaults(instance_path: str) -> dict[str, Any]:
    """The configuration with no environment at all: what a test app starts from."""
    return from_environment(instance_path, {})
