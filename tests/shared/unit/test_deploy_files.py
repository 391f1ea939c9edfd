"""Static checks of the production deployment files: no Docker engine is needed.

Reads ``docker-compose.yml``, ``Dockerfile``, ``.dockerignore`` and
``deploy/postgres-init.sql`` and checks them against the code they deploy (settings, CLI).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from settings import LedgerBackend, Settings

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
INIT_SQL = ROOT / "deploy" / "postgres-init.sql"

PREFIX = Settings.model_config["env_prefix"]
EXPECTED_SERVICES = {"postgresql", "temporal", "temporal-ui", "worker", "web"}
BUILT = ("worker", "web")  # the services that run this repository's image
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::?-(?P<default>[^}]*))?\}")


def interpolate(value: Any) -> str:
    """A compose value as Compose resolves it with nothing set in the environment."""

    def replace(match: re.Match[str]) -> str:
        return match.group("default") or ""

    text = str(value).replace("$$", "\0")
    return INTERPOLATION.sub(replace, text).replace("\0", "$")


def environment(service: dict[str, Any]) -> dict[str, str]:
    """A service's environment (mapping or ``KEY=value`` list), interpolated."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: interpolate(value) for key, value in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    """Dependency name → condition (the short list form means ``service_started``)."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def worker_env(services: dict[str, dict[str, Any]]) -> dict[str, str]:
    return environment(services["worker"])


@pytest.fixture(scope="module")
def web_env(services: dict[str, dict[str, Any]]) -> dict[str, str]:
    return environment(services["web"])


def mounts(service: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Mount point → (source, mode) of a service's ``volumes`` (short syntax)."""
    found = {}
    for volume in service.get("volumes") or []:
        source, target, *mode = str(volume).split(":")
        found[target] = (source, mode[0] if mode else "rw")
    return found


def volume_of(service: dict[str, Any], path: str) -> tuple[str, str]:
    """The (volume, mode) a path of a service's file system lies on."""
    found = mounts(service)
    target = max((m for m in found if path == m or path.startswith(m + "/")), key=len)
    return found[target]


def settings_of(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings a service's process builds from its environment, and from nothing else."""
    for key in [key for key in os.environ if key.startswith(PREFIX)]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings()


def final_stage(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the last build stage, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines()]
    instructions = [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for line in lines
        if line and not line.startswith("#")
        for parts in [line.split(None, 1)]
    ]
    last_from = max(i for i, (name, _) in enumerate(instructions) if name == "FROM")
    return instructions[last_from:]


def exec_form(arguments: str) -> list[str]:
    """ENTRYPOINT/CMD arguments as argv (JSON exec form or shell words)."""
    try:
        parsed = json.loads(arguments)
    except json.JSONDecodeError:
        return shlex.split(arguments)
    assert isinstance(parsed, list)
    return [str(word) for word in parsed]


# --- docker-compose.yml ---------------------------------------------------------------


def test_compose_file_parses_to_services(compose: dict[str, Any]) -> None:
    assert isinstance(compose.get("services"), dict)


def test_compose_declares_the_production_services(services: dict[str, Any]) -> None:
    assert set(services) >= EXPECTED_SERVICES


def test_every_image_is_pinned_to_a_tag_other_than_latest(services: dict[str, Any]) -> None:
    images = {name: svc["image"] for name, svc in services.items() if "image" in svc}
    assert images, "no service names an image"
    for name, image in images.items():
        # "registry:5000/repo" has a colon but no tag: the tag follows the last "/".
        _, _, tag = image.split("@")[0].rpartition("/")[2].rpartition(":")
        assert tag, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image} is not pinned"


def test_services_without_an_image_are_built_from_this_repository(
    services: dict[str, Any],
) -> None:
    built = {name for name, svc in services.items() if "image" not in svc}
    assert built == set(BUILT)
    for name in BUILT:
        assert services[name]["build"] in (".", {"context": "."}), name


def test_postgresql_has_a_healthcheck_and_a_data_volume(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    postgresql = services["postgresql"]
    assert postgresql["image"].startswith("postgres:16")
    assert "pg_isready" in " ".join(postgresql["healthcheck"]["test"])
    data_mounts = [
        str(volume).split(":")[0]
        for volume in postgresql["volumes"]
        if str(volume).split(":")[1] == "/var/lib/postgresql/data"
    ]
    assert data_mounts and data_mounts[0] in (compose.get("volumes") or {})


def test_init_sql_is_mounted_into_the_postgres_entrypoint(services: dict[str, Any]) -> None:
    mounts = [str(volume).split(":") for volume in services["postgresql"]["volumes"]]
    targets = {source: target for source, target, *_ in mounts}
    assert "./deploy/postgres-init.sql" in targets
    assert targets["./deploy/postgres-init.sql"].startswith("/docker-entrypoint-initdb.d/")


def test_init_sql_creates_the_databases_temporal_and_the_worker_use(
    services: dict[str, Any], worker_env: dict[str, str]
) -> None:
    created = set(re.findall(r"CREATE\s+DATABASE\s+(\w+)", INIT_SQL.read_text("utf-8"), re.I))
    temporal = environment(services["temporal"])
    assert worker_env[f"{PREFIX}POSTGRES_DB"] in created
    assert {temporal["DBNAME"], temporal["VISIBILITY_DBNAME"]} <= created
    assert {"temporal", "temporal_visibility", "unionflow"} <= created
    # The databases exist already; auto-setup must not try to create them again.
    assert temporal["SKIP_DB_CREATE"] == "true"


def test_temporal_runs_on_postgresql_once_it_is_healthy(services: dict[str, Any]) -> None:
    temporal = services["temporal"]
    env = environment(temporal)
    assert temporal["image"].startswith("temporalio/auto-setup:")
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgresql"
    assert env["DB_PORT"] == "5432"
    postgres_env = environment(services["postgresql"])
    assert env["POSTGRES_USER"] == postgres_env["POSTGRES_USER"]
    assert env["POSTGRES_PWD"] == postgres_env["POSTGRES_PASSWORD"]
    assert depends_on(temporal) == {"postgresql": "service_healthy"}
    assert "127.0.0.1:7233:7233" in [str(port) for port in temporal["ports"]]


def test_temporal_ui_talks_to_the_temporal_service(services: dict[str, Any]) -> None:
    ui = services["temporal-ui"]
    assert ui["image"].startswith("temporalio/ui:")
    assert environment(ui)["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert "127.0.0.1:8080:8080" in [str(port) for port in ui["ports"]]


def test_passwords_come_from_the_environment_with_no_default() -> None:
    text = COMPOSE_FILE.read_text("utf-8")
    for key in ("POSTGRES_PASSWORD:", "POSTGRES_PWD:", f"{PREFIX}POSTGRES_PASSWORD:"):
        values = re.findall(rf"^\s*{re.escape(key)}\s*(.+)$", text, re.M)
        assert values, f"{key} not set"
        assert all(
            value.strip() == "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" for value in values
        ), values
    assert ":-" not in "".join(re.findall(r"PASSWORD\S*:\s*(.+)", text)), "a default password"


def test_temporal_and_its_ui_are_published_on_loopback_only(services: dict[str, Any]) -> None:
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert published, "nothing published"
    assert all(str(p).startswith("127.0.0.1:") for p in published), published


def test_witness_seal_key_poll_keys_and_payload_key_live_apart_from_the_data(
    worker_env: dict[str, str], services: dict[str, Any]
) -> None:
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["worker"]["volumes"]}
    data = worker_env[f"{PREFIX}DATA_DIR"]
    for key in ("WITNESS_DIR", "SEAL_KEY_FILE", "POLL_KEY_DIR", "PAYLOAD_KEY_FILE"):
        path = worker_env[f"{PREFIX}{key}"]
        assert not path.startswith(data + "/"), key
        volume = next(v for m, v in mounts.items() if path == m or path.startswith(m + "/"))
        assert volume != mounts[data], key


def test_production_encrypts_payloads_with_a_key_file_on_a_volume_of_its_own(
    compose: dict[str, Any], services: dict[str, Any], worker_env: dict[str, str]
) -> None:
    key_file = Path(worker_env[f"{PREFIX}PAYLOAD_KEY_FILE"])
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["worker"]["volumes"]}
    volume = mounts[str(key_file.parent)]
    assert volume in (compose.get("volumes") or {})
    others = [v for m, v in mounts.items() if m != str(key_file.parent)]
    assert volume not in others, "the payload key shares a volume"
    # How to create it is written where the operator reads the file.
    assert "keys new-payload-key" in COMPOSE_FILE.read_text("utf-8")


@pytest.mark.parametrize("name", BUILT)
def test_the_image_creates_every_volume_mount_of_the_service_for_its_user(
    compose: dict[str, Any], services: dict[str, Any], name: str
) -> None:
    """A named volume starts with the owner of its mount point in the image: owned by root,
    the worker could not write the witness, the seal key, the poll keys or the payload key,
    nor the web its account key."""
    named = compose.get("volumes") or {}
    targets = [t for t, (source, _) in mounts(services[name]).items() if source in named]
    assert len(targets) >= 5, targets
    stage = final_stage(DOCKERFILE.read_text("utf-8"))
    user = [args.split(":")[0].strip() for name, args in stage if name == "USER"][-1]
    commands = [
        command.split()
        for name, args in stage
        if name == "RUN"
        for command in args.replace(";", "&&").split("&&")
    ]
    made = [c[1:] for c in commands if c and c[0] == "mkdir"]
    owned = [c[2:] for c in commands if c and c[0] == "chown" and c[1].split(":")[0] == user]
    for mount in targets:
        assert any(mount in args for args in made), f"{mount} is not created in the image"
        assert any(mount in args for args in owned), f"{mount} is not owned by {user}"


# --- the worker service against settings.py -------------------------------------------


@pytest.mark.parametrize("name", BUILT)
def test_environment_keys_are_real_settings_fields(services: dict[str, Any], name: str) -> None:
    keys = [key for key in environment(services[name]) if key.startswith(PREFIX)]
    assert keys, f"the {name} sets no UNIONFLOW_* variable"
    unknown = [key for key in keys if key[len(PREFIX) :].lower() not in Settings.model_fields]
    # Settings ignores unknown variables (extra="ignore"): a typo would pass silently.
    assert unknown == []


def test_worker_environment_builds_postgres_settings(
    worker_env: dict[str, str], services: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_of(worker_env, monkeypatch)
    ledger = settings.ledger_env()

    postgres_env = environment(services["postgresql"])
    assert settings.ledger_backend is LedgerBackend.POSTGRES
    assert ledger["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert ledger["POSTGRES_HOST"] == "postgresql"
    assert ledger["POSTGRES_PORT"] == "5432"
    assert ledger["POSTGRES_DBNAME"] == "unionflow"
    assert ledger["POSTGRES_USER"] == postgres_env["POSTGRES_USER"]
    assert ledger["POSTGRES_PASSWORD"] == postgres_env["POSTGRES_PASSWORD"]
    assert settings.temporal_address == "temporal:7233"
    assert settings.temporal_namespace == environment(services["temporal"])["DEFAULT_NAMESPACE"]
    assert settings.log_format == "json"
    assert settings.data_dir == Path("/data")
    assert settings.payload_key_file == Path("/payload-key/payload-keys.json")


def test_worker_keeps_its_data_dir_on_a_named_volume(
    compose: dict[str, Any], services: dict[str, Any], worker_env: dict[str, str]
) -> None:
    mounts = {
        str(volume).split(":")[1]: str(volume).split(":")[0]
        for volume in services["worker"]["volumes"]
    }
    data_dir = worker_env[f"{PREFIX}DATA_DIR"]
    assert data_dir in mounts, "the seal key would be lost with the container"
    assert mounts[data_dir] in (compose.get("volumes") or {})


def test_worker_depends_on_temporal_and_healthy_postgresql(services: dict[str, Any]) -> None:
    deps = depends_on(services["worker"])
    assert set(deps) >= {"temporal", "postgresql"}
    assert deps["postgresql"] == "service_healthy"


def test_worker_runs_replicas_that_can_coexist(services: dict[str, Any]) -> None:
    worker = services["worker"]
    assert worker["deploy"]["replicas"] == 2
    assert worker["command"] in ("worker", ["worker"])
    # Replicas cannot share a container name or a fixed host port.
    assert "container_name" not in worker
    assert "ports" not in worker


# --- Dockerfile -----------------------------------------------------------------------


def test_dockerfile_final_stage_is_python_311_slim() -> None:
    stage = final_stage(DOCKERFILE.read_text("utf-8"))
    assert stage[0][1].split()[0] == "python:3.11-slim"


def test_dockerfile_installs_the_project_with_pip() -> None:
    text = DOCKERFILE.read_text("utf-8")
    assert re.search(r"pip install[^\n]*\s\.\s*$", text, re.M)


def test_dockerfile_runs_unionflow_worker() -> None:
    stage = final_stage(DOCKERFILE.read_text("utf-8"))
    entrypoint = [exec_form(args) for name, args in stage if name == "ENTRYPOINT"]
    cmd = [exec_form(args) for name, args in stage if name == "CMD"]
    assert entrypoint and cmd
    # Only the last ENTRYPOINT and CMD count.
    assert entrypoint[-1] + cmd[-1] == ["unionflow", "worker"]


def test_dockerfile_command_is_a_real_cli_command() -> None:
    from interfaces import cli

    commands = typer.main.get_command(cli.app).commands
    assert "worker" in commands


def test_dockerfile_does_not_run_as_root() -> None:
    stage = final_stage(DOCKERFILE.read_text("utf-8"))
    users = [args.split(":")[0].strip() for name, args in stage if name == "USER"]
    assert users, "no USER in the final stage: the worker would run as root"
    assert users[-1] not in ("root", "0")


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    ignored = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text("utf-8").splitlines()}
    assert {".venv", "var", ".git"} <= ignored
    assert any("__pycache__" in line for line in ignored)


# --- the web service ------------------------------------------------------------------


def test_web_runs_unionflow_web_from_the_workers_image(services: dict[str, Any]) -> None:
    from interfaces import cli

    web = services["web"]
    assert web["command"] in ("web", ["web"])
    assert "web" in typer.main.get_command(cli.app).commands
    assert web["build"] == services["worker"]["build"]
    deps = depends_on(web)
    assert deps.get("postgresql") == "service_healthy" and "temporal" in deps
    assert "/healthz" in " ".join(web["healthcheck"]["test"])


def test_web_listens_in_its_container_but_is_published_on_loopback_only(
    services: dict[str, Any], web_env: dict[str, str]
) -> None:
    port = web_env[f"{PREFIX}WEB_PORT"]
    assert web_env[f"{PREFIX}WEB_HOST"] == "0.0.0.0"  # else nothing outside reaches it
    assert [str(p) for p in services["web"]["ports"]] == [f"127.0.0.1:{port}:{port}"]


def test_web_shares_the_ledger_temporal_and_keys_settings_of_the_worker(
    web_env: dict[str, str], worker_env: dict[str, str]
) -> None:
    shared = [
        key
        for key in worker_env
        if key.startswith((f"{PREFIX}POSTGRES_", f"{PREFIX}TEMPORAL_"))
        or key
        in {
            f"{PREFIX}LEDGER_BACKEND",
            f"{PREFIX}TASK_QUEUE",
            f"{PREFIX}PAYLOAD_KEY_FILE",
            f"{PREFIX}POLL_KEY_DIR",
            f"{PREFIX}WITNESS_DIR",
        }
    ]
    assert len(shared) >= 10, shared
    assert {key: web_env.get(key) for key in shared} == {key: worker_env[key] for key in shared}


def test_web_builds_its_settings_from_its_environment(
    web_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_of(web_env, monkeypatch)
    assert settings.ledger_backend is LedgerBackend.POSTGRES
    assert settings.web_host == "0.0.0.0" and settings.web_port == 8000
    # Setup codes print the address people open, not the container's 0.0.0.0.
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.account_key_path == Path("/account-key/accounts_totp.key")


def test_web_volumes_hold_what_it_reads_and_writes(
    compose: dict[str, Any], services: dict[str, Any], web_env: dict[str, str]
) -> None:
    web, worker = services["web"], services["worker"]
    # The TOTP secrets' key: on a volume of its own, mounted by no other service.
    account_volume, mode = volume_of(web, web_env[f"{PREFIX}ACCOUNT_KEY_FILE"])
    assert account_volume in (compose.get("volumes") or {}) and mode == "rw"
    elsewhere = [
        (name, target)
        for name, svc in services.items()
        for target, (source, _) in mounts(svc).items()
        if source == account_volume and (name, target) != ("web", "/account-key")
    ]
    assert elsewhere == []
    # Secret ballots are spooled in the poll key directory the worker's tally reads.
    poll_keys = web_env[f"{PREFIX}POLL_KEY_DIR"]
    assert volume_of(web, poll_keys) == volume_of(worker, poll_keys)
    assert volume_of(web, poll_keys)[1] == "rw"
    # The payload key and the witness are the worker's, and the web only reads them.
    for key in ("PAYLOAD_KEY_FILE", "WITNESS_DIR"):
        path = web_env[f"{PREFIX}{key}"]
        assert volume_of(web, path) == (volume_of(worker, path)[0], "ro"), key
    # Its sessions (signin.db in the data directory) are its own; it never seals.
    data = web_env[f"{PREFIX}DATA_DIR"]
    assert volume_of(web, data)[0] != volume_of(worker, data)[0]
    assert f"{PREFIX}SEAL_KEY_FILE" not in web_env
