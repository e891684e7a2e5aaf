"""Settings, read from the environment (prefix ``LAUREL_``) or a ``.env`` file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(RuntimeError):
    """Settings that cannot work; the message says which variable and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LAUREL_", env_file=".env", extra="ignore")

    base_url: str | None = Field(
        default=None,
        description="Public base URL (scheme://host[:port][/path]); issuer DIDs derive from it. "
        "Defaults to http://HOST:PORT of `laurel serve`.",
    )
    database_url: str = Field(default=f"sqlite:///{PROJECT_ROOT / 'laurel.db'}")
    keys_dir: Path = Field(default=PROJECT_ROOT / "keys")
    contexts_dir: Path = Field(default=PROJECT_ROOT / "contexts")
    schemas_dir: Path = Field(default=PROJECT_ROOT / "schemas")
    templates_dir: Path = Field(default=PROJECT_ROOT / "templates")
    access_token_ttl_seconds: int = Field(default=900, ge=30, le=86400)
    privacy_policy_url: str | None = Field(
        default=None,
        description="The privacy policy OB 3.0 / CLR 2.0 hosts show before a learner connects "
        "(x-imssf-privacyPolicyUrl of the service discovery document). Defaults to BASE_URL/.",
    )
    terms_of_service_url: str | None = Field(
        default=None,
        description="Terms of service in the OB 3.0 / CLR 2.0 service discovery document "
        "(info.termsOfService). Defaults to BASE_URL/.",
    )
    status_list_size: int = Field(default=131072, ge=131072)
    fetch_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts the verifier may fetch from over http or on private addresses "
        "(tests, private deployments). Everything else must be https on a public address.",
    )
    fetch_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    fetch_max_bytes: int = Field(default=1_000_000, gt=0)
    issue_max_bytes: int = Field(
        default=131_072, ge=4_096, description="Bytes of one credential submitted for signing"
    )
    issue_max_array_length: int = Field(
        default=1_000, ge=10, description="Items in any one array of a credential to sign"
    )
    issue_max_depth: int = Field(
        default=32, ge=8, le=100, description="Nesting of a credential to sign"
    )
    issue_max_string_length: int = Field(
        default=65_536, ge=1_024, description="Characters in any one string of a credential"
    )
    issue_max_values: int = Field(
        default=10_000, ge=100, description="JSON values in one credential to sign"
    )
    issue_cpu_budget_seconds: float = Field(
        default=5.0,
        gt=0,
        le=120,
        description="CPU seconds signing one credential (its JSON-LD work) may use; then it "
        "stops and the answer is a 413 problem",
    )
    verify_cpu_budget_seconds: float = Field(
        default=5.0,
        gt=0,
        le=120,
        description="CPU seconds one verification (its JSON-LD work) may use; then it stops "
        "and the answer is a 413 problem",
    )
    body_max_bytes: int = Field(
        default=64 * 1024,
        ge=1024,
        description="Largest request body for routes without a limit of their own (413 above).",
    )
    issue_body_max_bytes: int = Field(
        default=256 * 1024, ge=1024, description="Largest body of POST /credentials/issue."
    )
    issue_batch_body_max_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest body of POST /credentials/issue:batch (up to 1000 credentials).",
    )
    batch_body_max_bytes: int = Field(
        default=2 * 1024 * 1024,
        ge=1024,
        description="Largest body of POST /api/v1/grades:batch (up to 1000 events).",
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:6379/0: rate limits shared by every worker. Unset: each "
        "process keeps its own.",
    )
    token_requests_per_minute: int = Field(
        default=60, ge=1, description="POST /oauth/token per client address and per client id."
    )
    token_failures_before_lockout: int = Field(
        default=5, ge=1, description="Wrong secrets for one client id before it is locked."
    )
    token_lockout_seconds: int = Field(
        default=300, ge=1, description="How long until a locked client id may try all again."
    )
    openedx_learner_requests_per_minute: int = Field(
        default=15,
        ge=1,
        description="Open edX credentials API (/api/v2/credentials/): calls a minute per LMS "
        "learner, as the credentials service throttles them (429 with Retry-After above).",
    )
    openedx_grade_requests_per_minute: int = Field(
        default=90, ge=1, description="Open edX /api/v2/grades/: calls a minute per LMS user."
    )
    openedx_service_requests_per_minute: int | None = Field(
        default=None,
        ge=1,
        description="Calls a minute of the LMS's service user (staff). Unset: unthrottled, as "
        "the credentials service leaves staff.",
    )
    nonce_secret: str | None = Field(
        default=None,
        description="Key for signing OID4VCI c_nonces; every worker must share it. Unset: a "
        "random key kept in LAUREL_KEYS_DIR/nonce.key.",
    )
    smtp_url: str | None = Field(
        default=None,
        description="Where `laurel worker` sends e-mail: smtp://host:25, "
        "smtp+starttls://user:pass@host:587 or smtps://user:pass@host:465. Unset: messages "
        "wait in the outbox.",
    )
    smtp_ca_file: Path | None = Field(
        default=None,
        description="PEM file of the CA(s) that sign the SMTP server's certificate (a private "
        "CA). Unset: the system CAs. The certificate is verified either way.",
    )
    mail_from: str = Field(
        default="Laurel <no-reply@localhost>", description="The From of every e-mail."
    )
    outbox_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Temporary SMTP failures before a message fails."
    )
    outbox_backoff_seconds: float = Field(
        default=60, ge=0, description="First retry delay; doubled per attempt, at most 6 h."
    )
    outbox_lease_seconds: float = Field(
        default=300,
        gt=0,
        description="How long a worker owns a claimed message; a worker killed mid-send "
        "leaves it to be sent again after this.",
    )
    outbox_batch_size: int = Field(default=50, ge=1, le=1000)
    worker_poll_seconds: float = Field(default=5, gt=0, le=3600)
    learner_session_ttl_seconds: int = Field(
        default=8 * 3600,
        ge=300,
        le=30 * 86400,
        description="How long a learner stays signed in (then they sign in again).",
    )
    event_bus_redis_url: str | None = Field(
        default=None,
        description="The Redis of the Open edX event bus that `laurel consume` reads: the "
        "LMS's EVENT_BUS_REDIS_CONNECTION_URL (redis://[user:pass@]host:6379/0 or rediss://). "
        "Unset: LAUREL_REDIS_URL.",
    )
    event_bus_topic_prefix: str | None = Field(
        default=None,
        description="The LMS's EVENT_BUS_TOPIC_PREFIX (streams are PREFIX-TOPIC). Unset: the "
        "prefix of the one connected Open edX site (`laurel openedx connect --topic-prefix`).",
    )
    event_bus_batch_size: int = Field(
        default=500,
        ge=1,
        le=1000,
        description="Entries one consumer reads and applies together (one transaction).",
    )
    event_bus_commit_every: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="Entries per transaction (0: the whole batch). Smaller holds the issuance "
        "path's row locks for less time when several consumers share one database.",
    )
    event_bus_claim_idle_seconds: float = Field(
        default=60,
        gt=0,
        description="Entries pending this long with a consumer are taken over by another "
        "(the first consumer presumed dead).",
    )
    event_bus_progress_seconds: float = Field(
        default=10, ge=0, description="How often `laurel consume` prints its progress (0: never)."
    )
    log_level: str = "INFO"

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"LAUREL_BASE_URL={value!r} must be an absolute http(s) URL, "
                "e.g. https://credentials.example.edu"
            )
        if parts.query or parts.fragment:
            raise ValueError("LAUREL_BASE_URL must not have a query or fragment")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not (value.startswith("sqlite") or value.startswith("postgresql+psycopg://")):
            raise ValueError(
                f"LAUREL_DATABASE_URL={value!r}: use sqlite:///path.db or "
                "postgresql://user@host:5432/dbname"
            )
        return value

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        from app.notifications.smtp import SmtpUrl  # a pure parser, no app imports

        SmtpUrl.parse(value)
        return value

    @field_validator("smtp_ca_file")
    @classmethod
    def _check_smtp_ca_file(cls, value: Path | None) -> Path | None:
        if value is None or str(value) == "":
            return None
        import ssl

        try:
            ssl.create_default_context(cafile=str(value))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(
                f"LAUREL_SMTP_CA_FILE={str(value)!r} is not a readable PEM file of CA "
                f"certificates ({exc})"
            ) from None
        return value

    def public_base_url(self) -> str:
        return self.base_url or "http://127.0.0.1:8000"


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment; a bad value stops start-up with the fix in the message."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "LAUREL_" + "_".join(str(p) for p in err["loc"]).upper()
            lines.append(f"  {name}: {err['msg']}")
        raise SettingsError("invalid settings:\n" + "\n".join(lines)) from None


@lru_cache
def get_settings() -> Settings:
    return load_settings()
