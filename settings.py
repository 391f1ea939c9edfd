"""Typed settings of UnionFlow, read from ``UNIONFLOW_*`` environment variables.

Paths are made absolute once, when the settings are read: a command run from another
directory finds the same ledger instead of starting an empty one where it stands.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    """``var/`` of the checkout this module runs from; for an installed package, the user's
    data directory (``$XDG_DATA_HOME/unionflow``)."""
    here = Path(__file__).resolve().parent
    if (here / "pyproject.toml").exists():
        return here / "var"
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "unionflow"


class LedgerBackend(StrEnum):
    """Where the ledger lives."""

    SQLITE = "sqlite"
    POSTGRES = "postgres"


@dataclass(frozen=True)
class ImportLimits:
    """How much an import (roster, agenda, draft, negotiators, directory, year schedule)
    reads before it refuses the file; the ``import_*`` settings."""

    max_bytes: int = 5 * 2**20
    max_unpacked_bytes: int = 16 * 2**20
    max_rows: int = 5000
    max_agenda_items: int = 200
    max_errors: int = 50


class Settings(BaseSettings):
    """One model for every setting; nothing reads the environment elsewhere."""

    model_config = SettingsConfigDict(env_prefix="UNIONFLOW_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir, description="Ledger, server database, keys."
    )
    ledger_backend: LedgerBackend = LedgerBackend.SQLITE
    ledger_sqlite_file: str = Field(default="ledger.db", description="Inside data_dir.")
    ledger_cache_size: int = Field(
        default=2000,
        ge=0,
        description="Aggregates each process keeps in memory (refreshed on every read); 0: none.",
    )
    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_db: str = "unionflow"
    postgres_user: str = "postgres"
    postgres_password: str = ""
    postgres_schema: str = ""
    temporal_address: str | None = Field(
        default=None, description="host:port of a Temporal server; unset: the embedded dev server."
    )
    temporal_namespace: str = "default"
    temporal_tls_ca_file: Path | None = Field(
        default=None, description="CA that signed the Temporal server's certificate (TLS on)."
    )
    temporal_tls_cert_file: Path | None = Field(
        default=None, description="This client's certificate for mTLS (with the key file)."
    )
    temporal_tls_key_file: Path | None = Field(
        default=None, description="This client's private key for mTLS."
    )
    temporal_tls_server_name: str | None = Field(
        default=None, description="The name the server's certificate carries, if not the host."
    )
    payload_key_file: Path | None = Field(
        default=None,
        description="AES-GCM keys by id (``unionflow keys new-payload-key``) that encrypt "
        "every payload and failure message Temporal stores; the same file on every client "
        "and worker. Unset: payloads travel in clear.",
    )
    task_queue: str = "unionflow"
    dev_server_port: int = 7233
    dev_server_ui_port: int = 8233
    rule_profile: str = Field(default="national", description="Profile for new processes.")
    profile_dir: Path | None = Field(default=None, description="Extra rule profiles (YAML).")
    calendar_dir: Path | None = Field(default=None, description="Extra year schedules (YAML).")
    poll_key_dir: Path | None = Field(
        default=None,
        description="Secret polls' private keys, commitments and spooled ballots; never "
        "inside data_dir (default: a sibling <data_dir>-poll-keys).",
    )
    activity_timeout_seconds: float = 30.0
    roll_check_seconds: float = Field(
        default=5.0,
        gt=0,
        le=3600,
        description="Workers look this often for polls whose roll is complete but whose "
        "workflow was not told (a ballot cast while Temporal was down).",
    )
    io_threads: int = Field(
        default=32,
        ge=1,
        le=256,
        description="Threads a worker or web process runs ledger work in (votes, check-ins, "
        "reads): a vote mostly waits for the disk, so more threads let more votes share one "
        "sync.",
    )
    seal_interval_seconds: float = Field(
        default=60.0,
        description="Workers seal the ledger this often while it changed (0: only at milestones).",
    )
    witness_dir: Path | None = Field(
        default=None,
        description="Where seals are witnessed, outside the ledger's database (default: "
        "witness/ in data_dir; in production another machine or user).",
    )
    seal_key_file: Path | None = Field(
        default=None,
        description="The Ed25519 key that signs seals (default: keys/seal_ed25519.pem in "
        "data_dir; in production another machine, user or a secret store).",
    )
    web_host: str = Field(default="127.0.0.1", description="Where `unionflow web` listens.")
    web_port: int = Field(default=8000, ge=1, le=65535, description="The web app's port.")
    import_max_bytes: int = Field(
        default=ImportLimits.max_bytes,
        gt=0,
        description="Largest file an import reads, checked before it is parsed.",
    )
    import_max_unpacked_bytes: int = Field(
        default=ImportLimits.max_unpacked_bytes,
        gt=0,
        description="Largest XLSX once unzipped (400 KB of zip holds 1 M rows of 100 MB).",
    )
    import_max_rows: int = Field(
        default=ImportLimits.max_rows,
        gt=0,
        description="Rows a roster file may have after its header, blank ones included.",
    )
    import_max_agenda_items: int = Field(
        default=ImportLimits.max_agenda_items, gt=0, description="Items an agenda file may list."
    )
    import_max_errors: int = Field(
        default=ImportLimits.max_errors,
        gt=0,
        description="Bad rows a refused roster lists; it stops reading at the next one.",
    )
    web_public_url: str | None = Field(
        default=None,
        description="The address people open (printed with setup codes); default: "
        "http://web_host:web_port, https when web_https is set.",
    )
    web_https: bool = Field(
        default=False, description="The site is served over HTTPS: session cookies are Secure."
    )
    session_idle_minutes: float = Field(
        default=30, gt=0, description="A web session unused this long is closed."
    )
    session_lifetime_hours: float = Field(
        default=12, gt=0, description="A web session ends this long after sign-in, used or not."
    )
    signin_max_failures: int = Field(
        default=5,
        ge=1,
        description="Consecutive failed sign-ins from one source (client address) that lock "
        "the account for that source only.",
    )
    signin_max_failures_everywhere: int = Field(
        default=25,
        ge=1,
        description="Consecutive failed sign-ins from all sources together that lock the "
        "account everywhere (the ceiling against guessing from many addresses).",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed "
        "(comma-separated); default none: the peer's address is the source.",
    )
    signin_lockout_minutes: float = Field(
        default=15, gt=0, description="How long a locked account stays locked."
    )
    setup_code_hours: float = Field(
        default=72, gt=0, description="How long an operator's one-time setup code is valid."
    )
    api_token_days: int = Field(default=365, ge=1, le=3650, description="API tokens' lifetime.")
    checkin_code_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="How long a delegate's one-time check-in code (签到码) is valid.",
    )
    totp_required_roles: Annotated[list[str], NoDecode] = Field(
        default=["reviewer", "auditor"],
        description="Roles that must sign in with a TOTP code (comma-separated; 等保 level 3 "
        "asks two factors of reviewers and auditors).",
    )
    account_key_file: Path | None = Field(
        default=None,
        description="The key that seals TOTP secrets in the ledger (default: "
        "keys/accounts_totp.key in data_dir; keep it out of the ledger's backups).",
    )
    award_definition_dir: Path | None = Field(
        default=None,
        description="Award definitions (YAML, one per title) beside the shipped ones; a file "
        "named like a shipped one replaces it.",
    )
    contest_definition_dir: Path | None = Field(
        default=None,
        description="Contest definitions (YAML, one per contest) beside the shipped ones; a "
        "file named like a shipped one replaces it.",
    )
    campaign_definition_dir: Path | None = Field(
        default=None,
        description="Campaign definitions (YAML, one per campaign) beside the shipped ones; a "
        "file named like a shipped one replaces it.",
    )
    credentials_file: Path | None = Field(
        default=None,
        description="Where `unionflow login` keeps this user's CLI tokens, one per ledger "
        "and person (0600; default: $XDG_CONFIG_HOME/unionflow/credentials.json, else "
        "~/.config/unionflow/credentials.json).",
    )
    log_format: str = Field(default="auto", description="auto, json or console.")
    log_level: str = "INFO"

    @field_validator(
        "data_dir",
        "profile_dir",
        "calendar_dir",
        "witness_dir",
        "seal_key_file",
        "account_key_file",
        "credentials_file",
        "award_definition_dir",
        "contest_definition_dir",
        "campaign_definition_dir",
        "poll_key_dir",
        "temporal_tls_ca_file",
        "temporal_tls_cert_file",
        "temporal_tls_key_file",
        "payload_key_file",
    )
    @classmethod
    def _absolute(cls, value: Path | None) -> Path | None:
        """Relative to the directory the command started in, resolved there and then."""
        return None if value is None else value.expanduser().absolute()

    @field_validator("totp_required_roles", mode="before")
    @classmethod
    def _role_list(cls, value: object) -> object:
        """``reviewer,auditor`` (an environment variable) or a list; empty: nobody."""
        if isinstance(value, str):
            return [r.strip() for r in value.split(",") if r.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        """``10.0.0.1, 172.16.0.0/12`` or a list; each checked as an address or network."""
        items = [v.strip() for v in value.split(",")] if isinstance(value, str) else value
        if not isinstance(items, list):
            return value
        networks = []
        for item in items:
            if str(item).strip():
                try:
                    networks.append(str(ipaddress.ip_network(str(item).strip(), strict=False)))
                except ValueError as e:
                    raise ValueError(f"not an address or network: {item!r}") from e
        return networks

    def for_demo(self, data_dir: Path | None = None) -> Settings:
        """The demo's own settings: a SQLite ledger in ``data_dir`` (default: ``demo/``
        inside the data directory), so a demo never writes into the production ledger."""
        demo_dir = (data_dir or self.data_dir / "demo").expanduser().absolute()
        return self.model_copy(
            update={
                "data_dir": demo_dir,
                "ledger_backend": LedgerBackend.SQLITE,
                # Its own witness and key: a demo's seals never enter the production witness.
                "witness_dir": None,
                "seal_key_file": None,
                "account_key_file": None,
                "poll_key_dir": None,  # beside the demo's data directory
                # The demo's campaign of the simulated year is defined there (demo_campaign.py).
                "campaign_definition_dir": demo_dir / "campaign-definitions",
            }
        )

    @property
    def import_limits(self) -> ImportLimits:
        """The limits every import reads within."""
        return ImportLimits(
            max_bytes=self.import_max_bytes,
            max_unpacked_bytes=self.import_max_unpacked_bytes,
            max_rows=self.import_max_rows,
            max_agenda_items=self.import_max_agenda_items,
            max_errors=self.import_max_errors,
        )

    @property
    def sqlite_path(self) -> Path:
        """The SQLite ledger file."""
        return self.data_dir / self.ledger_sqlite_file

    @property
    def calendar_path(self) -> Path:
        """Year schedules loaded as data (``unionflow calendar load``)."""
        return self.calendar_dir or self.data_dir / "calendar"

    @property
    def projection_dir(self) -> Path:
        """Read models kept between calls (case lists, inboxes); a cache of the ledger."""
        return self.data_dir / "projections"

    @property
    def poll_key_path(self) -> Path:
        """Secret polls' private keys (each destroyed after its tally), their public keys'
        commitments and the ballots spooled until the close: outside the data directory,
        so a backup of the data directory taken during a poll links nobody."""
        if self.poll_key_dir is not None:
            return self.poll_key_dir
        return self.data_dir.parent / f"{self.data_dir.name}-poll-keys"

    @property
    def seal_key_path(self) -> Path:
        """The Ed25519 key that signs seals."""
        return self.seal_key_file or self.data_dir / "keys" / "seal_ed25519.pem"

    @property
    def account_key_path(self) -> Path:
        """The AES key that seals accounts' TOTP secrets in the ledger."""
        return self.account_key_file or self.data_dir / "keys" / "accounts_totp.key"

    @property
    def checkin_codes_path(self) -> Path:
        """Delegates' live check-in codes (hashes only): short-lived, never the truth."""
        return self.data_dir / "checkin_codes.db"

    @property
    def signin_store_path(self) -> Path:
        """Web sessions and failed sign-in counts: a local cache, never the truth."""
        return self.data_dir / "signin.db"

    @property
    def credentials_path(self) -> Path:
        """This user's CLI tokens (``unionflow login``): in the user's configuration, not
        the data directory, so a person's token is not shared with whoever reads ``var/``."""
        if self.credentials_file is not None:
            return self.credentials_file
        config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(config_home) / "unionflow" / "credentials.json"

    @property
    def ledger_identity(self) -> str:
        """The ledger a token belongs to, as a credentials file names it."""
        if self.ledger_backend is LedgerBackend.POSTGRES:
            schema = f"/{self.postgres_schema}" if self.postgres_schema else ""
            where = f"{self.postgres_host}:{self.postgres_port}/{self.postgres_db}"
            return f"postgresql://{self.postgres_user}@{where}{schema}"
        return f"sqlite:{self.sqlite_path}"

    @property
    def public_url(self) -> str:
        """The web app's address as people open it, without a trailing slash."""
        if self.web_public_url:
            return self.web_public_url.rstrip("/")
        scheme = "https" if self.web_https else "http"
        return f"{scheme}://{self.web_host}:{self.web_port}"

    @property
    def witness_path(self) -> Path:
        """The witness directory: every seal, kept outside the ledger's database."""
        return self.witness_dir or self.data_dir / "witness"

    def ledger_env(self) -> dict[str, str]:
        """The eventsourcing environment for the configured backend."""
        if self.ledger_backend is LedgerBackend.POSTGRES:
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": self.postgres_db,
                "POSTGRES_HOST": self.postgres_host,
                "POSTGRES_PORT": str(self.postgres_port),
                "POSTGRES_USER": self.postgres_user,
                "POSTGRES_PASSWORD": self.postgres_password,
            }
            if self.postgres_schema:
                env["POSTGRES_SCHEMA"] = self.postgres_schema
            return env
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
