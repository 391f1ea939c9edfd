"""Replay with a payload key (issue 8, point 14).

The recorded histories were written in clear, before any key: they replay with a key
configured too, because the codec passes plain payloads through, so switching encryption on
strands no running process. A history written with a key holds no payload in clear and no
failure message, replays with its key file (also after a rotation), and is refused by a
replayer without the key or with another key file.

Temporal never encrypts memo and search attributes: no workflow sets either, and the only
search attribute in any history is the list of patches that ``workflow.patched`` upserts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.message import Message
from temporalio.api.common.v1 import Memo, Payload, SearchAttributes
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from bootstrap import WORKFLOWS, data_converter
from domain.errors import InvalidInput
from domain.wage_contract import (
    AppointNegotiators,
    Negotiator,
    RecordReply,
    RecordTalksRound,
    Side,
)
from payload_codec import ENCODING, UnknownPayloadKey, add_payload_key
from settings import Settings
from tests.conftest import ROOT
from tests.replay.recorded import RECORDED_IN_CLEAR, load, recorded_histories
from tests.wage_contract.helpers import CADRE, handle, negotiators, offer, service

CASE = "ENC-1"
PATCH_MARKER = "core_patch"  # the marker ``workflow.patched`` records
PATCH_LIST = "TemporalChangeVersion"  # the search attribute it upserts


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The shared fixture's settings with a payload key: the test server, the worker and the
    facades of these tests all encrypt."""
    key = tmp_path / "payload-key" / "keys.json"
    add_payload_key(key)
    return Settings(
        data_dir=tmp_path / "var",
        rule_profile="liaoning",
        activity_timeout_seconds=10,
        payload_key_file=key,
    )


async def replay(history: WorkflowHistory, settings: Settings) -> None:
    await Replayer(workflows=WORKFLOWS, data_converter=data_converter(settings)).replay_workflow(
        history
    )


def messages_of(message: Message, kind: type[Any]) -> list[Any]:
    """Every message of type ``kind`` nested anywhere in ``message``."""
    found = [message] if isinstance(message, kind) else []
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            values = [value]
        elif field.message_type.GetOptions().map_entry:
            values = list(value.values())
        else:  # repeated
            values = list(value)
        for item in values:
            if isinstance(item, Message):
                found += messages_of(item, kind)
    return found


def temporals_own(event: HistoryEvent) -> list[Payload]:
    """Payloads Temporal writes and reads itself, past any codec: a patch's marker and the
    search attribute listing a run's patches (ids from the code, never personal data)."""
    own = []
    marker = event.marker_recorded_event_attributes
    if event.HasField("marker_recorded_event_attributes") and marker.marker_name == PATCH_MARKER:
        own += messages_of(marker, Payload)
    for attributes in messages_of(event, SearchAttributes):
        own += messages_of(attributes, Payload)
    return own


def assert_no_memo_and_only_the_patch_list(history: WorkflowHistory) -> None:
    """Memo and search attributes are never encrypted, so UnionFlow sets none of its own."""
    memos = [m for e in history.events for m in messages_of(e, Memo) if m.fields]
    keys = {
        key
        for e in history.events
        for attributes in messages_of(e, SearchAttributes)
        for key in attributes.indexed_fields
    }
    assert memos == []
    assert keys <= {PATCH_LIST}


@pytest.mark.parametrize("path", recorded_histories(), ids=lambda p: p.stem)
def test_no_recorded_history_holds_a_memo_or_a_search_attribute_but_the_patch_list(path: Path):
    assert_no_memo_and_only_the_patch_list(load(path))


def test_no_facade_or_workflow_sets_a_memo_or_search_attributes():
    words = re.compile(r"\bmemo\b|search_attributes")
    sources = [*(ROOT / "services").rglob("*.py"), *(ROOT / "workflows").rglob("*.py")]
    assert sources
    assert [p.name for p in sources if words.search(p.read_text("utf-8"))] == []


@pytest.mark.parametrize("path", recorded_histories(), ids=lambda p: p.stem)
async def test_a_history_recorded_in_clear_replays_with_a_payload_key_configured(
    path: Path, settings: Settings
):
    await replay(load(path), settings)


async def test_an_encrypted_history_replays_with_its_key_file_only(
    time_skipping_env, app, task_queue, running_worker, settings: Settings, tmp_path: Path
):
    svc = service(time_skipping_env, app, task_queue)
    await svc.open(CADRE, offer(CASE))
    await svc.act(CASE, CADRE, RecordReply(content="同意协商"))
    both_sides = [Negotiator(name="公孙策", side=side) for side in Side]
    with pytest.raises(InvalidInput, match="公孙策 不能同时担任双方"):
        await svc.act(CASE, CADRE, AppointNegotiators(negotiators=[*negotiators(), *both_sides]))
    await svc.act(CASE, CADRE, AppointNegotiators(negotiators=negotiators()))
    await svc.act(CASE, CADRE, RecordTalksRound(minutes="首轮纪要：皇甫嵩提出增资"))
    history = await handle(time_skipping_env, CASE).fetch_history()

    payloads = [p for e in history.events for p in messages_of(e, Payload)]
    failures = [f for e in history.events for f in messages_of(e, Failure)]
    assert len(payloads) > 10 and failures, "the scenario left too little to check"
    plain = [p for p in payloads if p.metadata["encoding"] != ENCODING]
    own = [p for e in history.events for p in temporals_own(e)]
    assert own, "no patch marker: the exemption is not exercised"
    assert {p.SerializeToString() for p in plain} <= {p.SerializeToString() for p in own}
    assert_no_memo_and_only_the_patch_list(history)
    assert {f.message for f in failures} == {"Encoded failure"}
    assert not any(f.stack_trace for f in failures)

    await replay(history, settings)
    assert settings.payload_key_file is not None
    add_payload_key(settings.payload_key_file)  # rotated: the old key still decrypts
    await replay(history, settings)

    with pytest.raises(RuntimeError, match="Unknown payload encoding binary/encrypted"):
        await replay(history, RECORDED_IN_CLEAR)
    other = tmp_path / "other-key.json"
    add_payload_key(other)
    # The replayer reports the workflow task's failure, whose type names the codec's error.
    with pytest.raises(RuntimeError, match=UnknownPayloadKey.__name__):
        await replay(history, settings.model_copy(update={"payload_key_file": other}))
