"""One settings object, read from the environment. The embedded default needs no settings at all."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import unquote, urlparse


class SettingsError(ValueError):
    """A setting has a value the platform cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    boxes_dir: Path
    kafka_bootstrap: str = ""
    kafka_partitions: int = 6
    lang: str = "zh-CN"
    secret_key: str = ""
    cipher_key: str = ""
    cookie_secure: bool = True
    dxp_envelope: bool = False
    orders_per_message: int = 100
    poll_interval: float = 0.2
    sim_accept_delay: float = 1.0
    audit_checkpoint_events: int = 1000  # B2: sign the audit chain's head every N events (and at least daily)
    transport: str = "filebox"  # X3: filebox | amqp | http
    amqp_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    amqp_out_queue: str = "cbec.customs.out"
    amqp_receipt_queue: str = "cbec.customs.receipts"
    http_url: str = "http://127.0.0.1:8790"  # X3: the customs node's HTTP gateway (adapters/customs/http.py)
    http_token: str = ""  # sent as Authorization: Bearer <token>; empty: none
    delivery_max_attempts: int = 8  # then the message is dead-lettered
    delivery_retry_base: float = 5.0  # seconds before the first retry, doubled each attempt (at most an hour)
    customs179_url: str = ""  # I13: customs' realTimeDataUpload; empty: the simulator's, when it runs
    # X2/X5: seconds to wait for a receipt, by message type ("default" for the rest), and what a timeout does
    receipt_timeouts: dict[str, int] = field(default_factory=lambda: {"default": 1800})
    receipt_timeout_policy: str = "wait"  # wait | resend (same guid, at most receipt_resend_max times) | escalate
    receipt_resend_max: int = 3
    alert_contacts: tuple[str, ...] = ()  # e-mail addresses told of receipt timeouts
    smtp_host: str = ""  # X5: the mail server alert notifications go through; empty: they stay queued
    smtp_port: int = 25
    smtp_sender: str = "cbec-alerts@localhost"
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    drop_dir: Path | None = None  # X1: watched drop folders, <drop_dir>/<enterprise code>/in/ (default <data>/drop)
    drop_settle: float = 2.0  # X1: a dropped file is taken once unchanged this many seconds
    # #16: customs' 179 calls come only from these addresses or networks, at most customs179_rate a minute each
    customs179_sources: tuple[str, ...] = ("127.0.0.1", "::1")
    customs179_rate: int = 60
    max_body_mb: int = 21  # #16: the largest request body (a 20 MB workbook and its form), refused before parsing
    api_docs: str = "users"  # #16: /docs and /openapi.json: off | users (logged-in users) | public
    health_token: str = ""  # #16: /healthz details for this token (X-Health-Token) besides platform administrators
    # #17: the enterprises' signing keys (engine/signing/platform_keys.py): the sealed key store, its passphrase (the
    # demo generates one into <data>/keystore.passphrase), and how many days ahead a certificate's end is alerted
    keystore_dir: str = ""
    keystore_passphrase: str = field(default="", repr=False)
    key_expiry_warn_days: int = 30
    # #18: an inventory whose order, payment or waybill the platform does not hold (or that disagree): warn (the
    # declarant confirms on the form, the API answer lists warnings) or refuse (nothing stored, what is missing named)
    three_document_check: str = "warn"
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, data_dir: str | Path | None = None, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data = Path(data_dir or env.get("CBEC_DATA_DIR") or "./cbec-data").resolve()
        url = env.get("CBEC_DATABASE_URL") or f"sqlite:///{data / 'events.sqlite'}"
        settings = cls(
            data_dir=data,
            database_url=url,
            boxes_dir=Path(env.get("CBEC_BOXES_DIR") or data / "boxes").resolve(),
            kafka_bootstrap=env.get("CBEC_KAFKA_BOOTSTRAP", ""),
            kafka_partitions=int(env.get("CBEC_KAFKA_PARTITIONS", "6")),
            lang=env.get("CBEC_LANG", "zh-CN"),
            secret_key=env.get("CBEC_SECRET_KEY", ""),
            cipher_key=env.get("CBEC_CIPHER_KEY", ""),
            cookie_secure=env.get("CBEC_COOKIE_SECURE", "1").lower() not in ("0", "false", "no"),
            dxp_envelope=env.get("CBEC_DXP_ENVELOPE", "0").lower() in ("1", "true", "yes"),
            orders_per_message=int(env.get("CBEC_ORDERS_PER_MESSAGE", "100")),
            sim_accept_delay=float(env.get("CBEC_SIM_ACCEPT_DELAY", "1.0")),
            audit_checkpoint_events=int(env.get("CBEC_AUDIT_CHECKPOINT_EVENTS", "1000")),
            transport=env.get("CBEC_TRANSPORT", "filebox"),
            amqp_url=env.get("CBEC_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"),
            amqp_out_queue=env.get("CBEC_AMQP_OUT_QUEUE", "cbec.customs.out"),
            amqp_receipt_queue=env.get("CBEC_AMQP_RECEIPT_QUEUE", "cbec.customs.receipts"),
            http_url=env.get("CBEC_HTTP_URL") or "http://127.0.0.1:8790",
            http_token=env.get("CBEC_HTTP_TOKEN", ""),
            delivery_max_attempts=int(env.get("CBEC_DELIVERY_MAX_ATTEMPTS", "8")),
            delivery_retry_base=float(env.get("CBEC_DELIVERY_RETRY_BASE", "5")),
            customs179_url=env.get("CBEC_CUSTOMS179_URL", ""),
            receipt_timeouts=parse_timeouts(env.get("CBEC_RECEIPT_TIMEOUTS", "")),
            receipt_timeout_policy=env.get("CBEC_RECEIPT_TIMEOUT_POLICY", "wait"),
            receipt_resend_max=int(env.get("CBEC_RECEIPT_RESEND_MAX", "3")),
            alert_contacts=tuple(c.strip() for c in env.get("CBEC_ALERT_CONTACTS", "").split(",") if c.strip()),
            smtp_host=env.get("CBEC_SMTP_HOST", ""),
            smtp_port=int(env.get("CBEC_SMTP_PORT", "25")),
            smtp_sender=env.get("CBEC_SMTP_FROM", "cbec-alerts@localhost"),
            smtp_user=env.get("CBEC_SMTP_USER", ""),
            smtp_password=env.get("CBEC_SMTP_PASSWORD", ""),
            smtp_starttls=env.get("CBEC_SMTP_STARTTLS", "0").lower() in ("1", "true", "yes"),
            drop_dir=Path(env.get("CBEC_DROP_DIR") or data / "drop").resolve(),
            drop_settle=float(env.get("CBEC_DROP_SETTLE", "2")),
            customs179_sources=tuple(a.strip() for a in env.get("CBEC_CUSTOMS179_SOURCES", "127.0.0.1,::1")
                                     .split(",") if a.strip()),
            customs179_rate=_integer(env, "CBEC_CUSTOMS179_RATE", "60"),
            max_body_mb=_integer(env, "CBEC_MAX_BODY_MB", "21"),
            api_docs=env.get("CBEC_API_DOCS", "users"),
            health_token=env.get("CBEC_HEALTH_TOKEN", ""),
            keystore_dir=env.get("CBEC_KEYSTORE_DIR", ""),
            keystore_passphrase=env.get("CBEC_KEYSTORE_PASSPHRASE", ""),
            key_expiry_warn_days=_integer(env, "CBEC_KEY_EXPIRY_WARN_DAYS", "30"),
            three_document_check=_choice(env, "CBEC_THREE_DOCUMENT_CHECK", ("warn", "refuse"), "warn"),
        )
        settings.check()
        return settings

    def check(self) -> None:
        if self.lang not in ("zh-CN", "en"):
            raise SettingsError(f"CBEC_LANG must be zh-CN or en, not {self.lang!r}")
        if not 1 <= self.orders_per_message <= 100:
            raise SettingsError("CBEC_ORDERS_PER_MESSAGE must be 1..100 (customs allows 100 documents a message)")
        if self.transport not in ("filebox", "amqp", "http"):
            raise SettingsError(f"CBEC_TRANSPORT must be filebox, amqp or http, not {self.transport!r}")
        address = urlparse(self.http_url)
        if address.scheme not in ("http", "https") or not address.hostname:
            raise SettingsError(f"CBEC_HTTP_URL must be an http:// or https:// URL with a host, not {self.http_url!r}")
        try:
            address.port  # noqa: B018 - parsing it checks it
        except ValueError as error:
            raise SettingsError(f"CBEC_HTTP_URL has no valid port: {self.http_url!r}") from error
        if any(c.isspace() for c in self.http_token) or not self.http_token.isprintable():
            raise SettingsError("CBEC_HTTP_TOKEN must be printable, without spaces (it goes into an HTTP header)")
        if self.delivery_max_attempts < 1:
            raise SettingsError("CBEC_DELIVERY_MAX_ATTEMPTS must be at least 1")
        if self.receipt_timeout_policy not in ("wait", "resend", "escalate"):
            raise SettingsError("CBEC_RECEIPT_TIMEOUT_POLICY must be wait, resend or escalate, "
                                f"not {self.receipt_timeout_policy!r}")
        if self.smtp_host and "@" not in self.smtp_sender:
            raise SettingsError("CBEC_SMTP_FROM must be an e-mail address")
        if not 0 < self.smtp_port < 65536:
            raise SettingsError("CBEC_SMTP_PORT must be a TCP port (1..65535)")
        if any("@" not in c for c in self.alert_contacts):
            raise SettingsError("CBEC_ALERT_CONTACTS must be comma-separated e-mail addresses")
        for source in self.customs179_sources:
            try:
                ip_network(source, strict=False)
            except ValueError:
                raise SettingsError(f"CBEC_CUSTOMS179_SOURCES: {source!r} 不是IP地址或网段 is no IP address or network "
                                    "(e.g. 127.0.0.1,10.0.0.0/8)") from None
        if self.customs179_rate < 1:
            raise SettingsError("CBEC_CUSTOMS179_RATE 须至少为1 must be at least 1 (calls a minute per source)")
        if not 1 <= self.max_body_mb <= 1024:
            raise SettingsError("CBEC_MAX_BODY_MB 须为1..1024 must be 1..1024 (megabytes)")
        if self.api_docs not in ("off", "users", "public"):
            raise SettingsError(f"CBEC_API_DOCS 须为 off、users 或 public must be off, users or public, "
                                f"not {self.api_docs!r}")
        if any(c.isspace() for c in self.health_token) or not self.health_token.isprintable():
            raise SettingsError("CBEC_HEALTH_TOKEN 须为可打印字符且无空格 must be printable, without spaces")
        if not self.database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise SettingsError("CBEC_DATABASE_URL must start with sqlite:/// or postgresql://")

    @property
    def distributed(self) -> bool:
        """A Kafka bootstrap address turns on distributed mode: workers run the processors, not `cbec serve`."""
        return bool(self.kafka_bootstrap)

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgresql://", "postgres://"))

    def event_store_env(self) -> dict[str, str]:
        """The eventsourcing library's settings for this database URL (and encryption at rest, when keyed)."""
        cipher = {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": self.cipher_key} \
            if self.cipher_key else {}
        return self._store_env() | cipher

    def _store_env(self) -> dict[str, str]:
        if not self.is_postgres:
            path = Path(self.database_url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path),
                    "SQLITE_LOCK_TIMEOUT": "30"}
        url = urlparse(self.database_url)
        env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
               "POSTGRES_HOST": url.hostname or "127.0.0.1", "POSTGRES_PORT": str(url.port or 5432),
               "POSTGRES_USER": unquote(url.username or "postgres"),
               "POSTGRES_PASSWORD": unquote(url.password or "")}
        schema = dict(p.split("=", 1) for p in url.query.split("&") if "=" in p).get("schema")
        if schema:
            env["POSTGRES_SCHEMA"] = schema
        return env

    def readmodel_url(self) -> str:
        """Read models live beside the events: a second SQLite file, or the same PostgreSQL database."""
        if self.is_postgres:
            return self.database_url
        return f"sqlite:///{Path(self.database_url.removeprefix('sqlite:///')).with_name('readmodels.sqlite')}"


def _integer(env: dict[str, str], name: str, default: str) -> int:
    text = env.get(name, default).strip()
    try:
        return int(text)
    except ValueError:
        raise SettingsError(f"{name} 须为整数 must be a whole number, not {text!r}") from None


def _choice(env: dict[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    """A setting with a few allowed words: a typo stops the start, instead of silently meaning the default (#18)."""
    text = env.get(name, default).strip().lower() or default
    if text not in allowed:
        raise SettingsError(f"{name} 须为 {'/'.join(allowed)} 之一 must be one of {', '.join(allowed)}, not {text!r}")
    return text


def parse_timeouts(text: str) -> dict[str, int]:
    """CBEC_RECEIPT_TIMEOUTS, e.g. "CEB311=600,CEB621=3600,default=1800": seconds per message type; types not
    named wait the default (30 minutes unless given)."""
    timeouts = {"default": 1800}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if not value.strip().isdigit() or int(value) <= 0:
            raise SettingsError(f"CBEC_RECEIPT_TIMEOUTS: {part!r} is not TYPE=seconds (e.g. CEB311=600)")
        timeouts[name.strip()] = int(value)
    return timeouts
