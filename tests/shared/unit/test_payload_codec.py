"""The payload codec (issue 8, point 14): what UnionFlow hands Temporal is AES-GCM
ciphertext under the newest key of the key file, any key of it decrypts, and a payload
under an unknown key or a changed ciphertext is refused, never read as something else."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes
from temporalio.exceptions import ApplicationError
from typer.testing import CliRunner

from bootstrap import build_app, data_converter
from domain.wage_contract import RecordTalksRound
from interfaces.cli import app
from payload_codec import (
    ENCODING,
    KEY_ID,
    PayloadCipher,
    PayloadKeyError,
    PayloadNotAuthentic,
    UnknownPayloadKey,
    add_payload_key,
    load_payload_keys,
)
from settings import Settings
from tests.accounts_support import cli_login
from tests.conftest import EXAMPLE_DIRECTORY

NAME = "欧阳娜娜"
MINUTES = f"第一轮纪要：{NAME}提出月工资增至八千八百八十八元"


def key_file(tmp_path: Path, name: str = "payload-keys.json") -> Path:
    path = tmp_path / "keys" / name
    add_payload_key(path)
    return path


def converter(path: Path) -> DataConverter:
    return data_converter(Settings(data_dir=path.parent, payload_key_file=path))


def clear_forms(text: str) -> list[bytes]:
    """``text`` as it would appear in stored bytes: UTF-8 and JSON's \\u escapes."""
    return [text.encode(), json.dumps(text).strip('"').encode()]


async def test_a_payload_is_ciphertext_under_the_newest_key_and_round_trips(tmp_path: Path):
    path = key_file(tmp_path)
    conv = converter(path)
    [payload] = await conv.encode([RecordTalksRound(minutes=MINUTES)])

    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata[KEY_ID].decode() == load_payload_keys(path).current
    stored = payload.SerializeToString()
    assert not any(form in stored for form in clear_forms(NAME))
    [back] = await conv.decode([payload], [RecordTalksRound])
    assert back == RecordTalksRound(minutes=MINUTES)


async def test_after_rotation_the_new_key_encrypts_and_the_old_one_still_decrypts(
    tmp_path: Path,
):
    path = key_file(tmp_path)
    old_id = load_payload_keys(path).current
    [before] = await converter(path).encode([MINUTES])

    new_id = add_payload_key(path)
    rotated = converter(path)
    [after] = await rotated.encode([MINUTES])

    assert new_id != old_id and list(load_payload_keys(path).keys) == [old_id, new_id]
    assert before.metadata[KEY_ID].decode() == old_id
    assert after.metadata[KEY_ID].decode() == new_id
    assert await rotated.decode([before, after], [str, str]) == [MINUTES, MINUTES]


async def test_a_running_process_reads_a_key_added_after_it_loaded_the_file(tmp_path: Path):
    path = key_file(tmp_path)
    running = converter(path)  # a worker started before the rotation
    new_id = add_payload_key(path)
    [written] = await converter(path).encode([MINUTES])  # a CLI started after it
    assert written.metadata[KEY_ID].decode() == new_id

    assert await running.decode([written], [str]) == [MINUTES]
    [next_one] = await running.encode([MINUTES])
    assert next_one.metadata[KEY_ID].decode() == new_id


async def test_a_payload_under_a_key_id_the_file_does_not_hold_is_refused_by_name(
    tmp_path: Path,
):
    ours, theirs = key_file(tmp_path, "ours.json"), key_file(tmp_path, "theirs.json")
    [payload] = await converter(theirs).encode([MINUTES])
    foreign = load_payload_keys(theirs).current

    with pytest.raises(UnknownPayloadKey, match=f"key id '{foreign}'.*same key file"):
        await converter(ours).decode([payload], [str])


async def test_a_changed_ciphertext_or_key_id_is_refused(tmp_path: Path):
    path = key_file(tmp_path)
    [payload] = await converter(path).encode([MINUTES])
    flipped = Payload()
    flipped.CopyFrom(payload)
    flipped.data = payload.data[:-1] + bytes([payload.data[-1] ^ 1])
    with pytest.raises(PayloadNotAuthentic, match="changed"):
        await converter(path).decode([flipped], [str])

    # Relabelled to another key the file holds: the id is bound to the ciphertext.
    other = add_payload_key(path)
    relabelled = Payload()
    relabelled.CopyFrom(payload)
    relabelled.metadata[KEY_ID] = other.encode()
    with pytest.raises(PayloadNotAuthentic):
        await converter(path).decode([relabelled], [str])


async def test_payloads_written_in_clear_still_decode_once_a_key_is_configured(tmp_path: Path):
    [clear] = await pydantic_data_converter.encode([RecordTalksRound(minutes=MINUTES)])
    [back] = await converter(key_file(tmp_path)).decode([clear], [RecordTalksRound])
    assert back.minutes == MINUTES


async def test_failure_messages_and_stack_traces_are_encrypted_and_restored(tmp_path: Path):
    conv = converter(key_file(tmp_path))
    assert isinstance(conv.failure_converter, DefaultFailureConverterWithEncodedAttributes)
    try:
        raise ApplicationError(f"{NAME} cannot sit on both sides", f"{NAME} 不能同时担任双方")
    except ApplicationError as error:
        failure = Failure()
        await conv.encode_failure(error, failure)

    assert failure.message == "Encoded failure" and failure.stack_trace == ""
    stored = failure.SerializeToString()
    assert not any(form in stored for form in clear_forms(NAME))
    restored = await conv.decode_failure(failure)
    assert isinstance(restored, ApplicationError)
    assert restored.message == f"{NAME} cannot sit on both sides"
    assert list(restored.details) == [f"{NAME} 不能同时担任双方"]


def test_without_a_key_file_the_converter_is_the_plain_pydantic_one(tmp_path: Path):
    assert data_converter(Settings(data_dir=tmp_path, payload_key_file=None)) is (
        pydantic_data_converter
    )


def test_the_key_file_is_created_0600_in_a_0700_directory_with_32_byte_keys(tmp_path: Path):
    path = key_file(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    keys = load_payload_keys(path)
    assert [len(k) for k in keys.keys.values()] == [32]
    assert list(path.parent.iterdir()) == [path], "a staged copy was left behind"


def test_a_key_file_others_can_read_is_refused(tmp_path: Path):
    path = key_file(tmp_path)
    path.chmod(0o644)
    with pytest.raises(PayloadKeyError, match=r"0644.*chmod 600"):
        load_payload_keys(path)
    with pytest.raises(PayloadKeyError):
        converter(path)


def test_a_missing_key_file_is_refused_with_how_to_create_it(tmp_path: Path):
    with pytest.raises(PayloadKeyError, match="unionflow keys new-payload-key"):
        converter(tmp_path / "absent.json")


def keys_document(*keys: tuple[str, str]) -> str:
    return json.dumps(
        {"format": "unionflow-payload-keys/1", "keys": [{"id": i, "key": k} for i, k in keys]}
    )


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "{}",
        keys_document(),
        keys_document(("a", "c2hvcnQ=")),
        keys_document(("a", "!!")),
        keys_document(("a", "A" * 43 + "="), ("a", "B" * 43 + "=")),
    ],
    ids=["not-json", "other-json", "no-key", "short-key", "not-base64", "repeated-id"],
)
def test_a_malformed_key_file_is_refused_and_never_overwritten(tmp_path: Path, text: str):
    path = tmp_path / "keys.json"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(PayloadKeyError, match="cannot be used"):
        load_payload_keys(path)
    with pytest.raises(PayloadKeyError):
        add_payload_key(path)
    assert path.read_text(encoding="utf-8") == text


async def test_the_codec_never_reuses_a_nonce(tmp_path: Path):
    cipher = PayloadCipher(load_payload_keys(key_file(tmp_path)))
    [clear] = await pydantic_data_converter.encode([MINUTES])
    sealed = await cipher.encode([clear] * 200)
    assert len({p.data[:12] for p in sealed}) == 200


def test_the_cli_creates_then_rotates_the_key_file(tmp_path: Path, monkeypatch):
    path = tmp_path / "payload-key" / "keys.json"
    monkeypatch.setenv("UNIONFLOW_PAYLOAD_KEY_FILE", str(path))
    runner = CliRunner()
    first = runner.invoke(app, ["--lang", "en", "keys", "new-payload-key"])
    assert first.exit_code == 0, first.output
    assert "1 in the file" in first.stdout and str(path) in first.stdout
    second = runner.invoke(app, ["--lang", "en", "keys", "new-payload-key", "--file", str(path)])
    assert second.exit_code == 0 and "2 in the file" in second.stdout, second.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    monkeypatch.delenv("UNIONFLOW_PAYLOAD_KEY_FILE")
    unnamed = runner.invoke(app, ["--lang", "en", "keys", "new-payload-key"])
    assert unnamed.exit_code == 2 and "--file" in unnamed.stderr


def test_a_command_with_an_unusable_key_file_is_refused_naming_it(tmp_path: Path, monkeypatch):
    """Exit 2 with the reason, not 3 ("cannot reach the Temporal server"), nor a traceback."""
    data_dir = tmp_path / "var"
    application = build_app(Settings(data_dir=data_dir))
    application.directory.load(application.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    cli_login(application, "wang.li")
    application.close()
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(data_dir))
    monkeypatch.setenv("UNIONFLOW_PAYLOAD_KEY_FILE", str(tmp_path / "absent.json"))
    reply = ["--lang", "en", "wage", "reply", "WC-1", "--as", "wang.li", "--content", "同意协商"]
    for args in (reply, ["--lang", "en", "worker"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "no payload key file" in result.stderr and "Traceback" not in result.output
