"""``/api/v1/contests/{round}/objections``: anyone signed in files an objection to an entry
while the ranking's notice runs (named with a contact, or anonymous and marked), once per
``command_id``; the objector's name and contact reach the organiser only; the organiser
upholds (the entry out, the ranking recomputed with a new inputs hash) or dismisses it.
Every refusal is problem+json with its reason in Chinese and English and writes nothing;
the operations are in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

import httpx

from application.contest_notice import ContestNotices
from interfaces.web.problem import PROBLEM
from tests.contest.web.conftest import WebWorld
from tests.contest.web.test_pages_contest import API, ranked
from tests.web.pages_support import person

NAMED = {"substance": "去年瞒报一起工伤事故", "name": "赵敏", "contact": "13800000000"}


def refused(got: httpx.Response, status: int, reason: str) -> None:
    assert got.status_code == status, got.text
    assert got.headers["content-type"].split(";")[0] == PROBLEM
    body = got.json()
    assert body["reason_zh"] and body["reason_en"]
    assert reason in body["reason_zh"] or reason in body["reason_en"] or reason in got.text


async def post(site: httpx.AsyncClient, url: str, actor: str, body: dict[str, Any]):
    return await site.post(url, headers=person(actor, API), json=body)


def in_notice(world: WebWorld) -> str:
    key = ranked(world)  # the bearing works first; the seed company vetoed
    ContestNotices(world.contests, world.app.calendar).post("sun.lihua", key)
    return key


async def test_an_objection_is_filed_once_and_its_objector_is_the_organisers_to_see(site, world):
    key = ranked(world)
    url = f"/api/v1/contests/{key}/objections"
    entry = f"{key}:dl-bearing"
    before = world.events()
    refused(await post(site, url, "zhao.min", {"entry": entry, **NAMED}), 409, "公示期")
    ContestNotices(world.contests, world.app.calendar).post("sun.lihua", key)
    before = world.events()
    unnamed = {"entry": entry, "substance": "自评不实", "name": "赵敏"}
    refused(await post(site, url, "zhao.min", unnamed), 422, "联系方式")
    elsewhere = {"entry": f"{key}:dl-nowhere", **NAMED}
    refused(await post(site, url, "zhao.min", elsewhere), 422, "排名")
    assert world.events() == before
    body = {"entry": entry, **NAMED, "command_id": "obj-1"}
    filed = await post(site, url, "zhao.min", body)
    assert filed.status_code == 201, filed.text
    got = filed.json()
    assert (got["no"], got["entry"], got["status"], got["anonymous"]) == (1, entry, "open", False)
    assert (got["name"], got["contact"]) == ("", "")  # the organiser's to see, not the API's
    after = world.events()
    again = await post(site, url, "zhao.min", body)
    assert again.status_code == 201 and again.json()["no"] == 1 and world.events() == after
    anon = {"entry": entry, "substance": "自评材料与实际不符", "anonymous": True, "name": "x"}
    second = await post(site, url, "sun.hao", anon)
    assert second.status_code == 201
    assert (second.json()["no"], second.json()["anonymous"], second.json()["name"]) == (2, True, "")
    public = await site.get(url, headers=person("sun.hao", API))
    assert [(o["no"], o["name"], o["contact"]) for o in public.json()] == [(1, "", ""), (2, "", "")]
    board = await site.get(url, headers=person("sun.lihua", API))
    assert [(o["name"], o["contact"]) for o in board.json()] == [
        ("赵敏", "13800000000"),
        ("", ""),
    ]


async def test_the_organiser_upholds_or_dismisses_and_nobody_else_does(site, world):
    key = in_notice(world)
    url = f"/api/v1/contests/{key}/objections"
    entry = f"{key}:dl-bearing"
    assert (await post(site, url, "zhao.min", {"entry": entry, **NAMED})).status_code == 201
    anon = {"entry": entry, "substance": "自评不实", "anonymous": True}
    assert (await post(site, url, "sun.hao", anon)).status_code == 201
    published = world.contests.round(key).ranking
    assert published is not None
    before = world.events()
    upheld = {"outcome": "upheld", "findings": "经核查瞒报工伤属实", "command_id": "res-1"}
    refused(await post(site, f"{url}/1/resolution", "sun.hao", upheld), 403, "")
    refused(await post(site, f"{url}/9/resolution", "sun.lihua", upheld), 409, "第 9 号")
    maybe = {"outcome": "perhaps", "findings": "x"}
    refused(await post(site, f"{url}/1/resolution", "sun.lihua", maybe), 422, "")
    refused(await post(site, f"{url}/1/resolution", "sun.lihua", {"outcome": "upheld"}), 422, "")
    assert world.events() == before
    done = await post(site, f"{url}/1/resolution", "sun.lihua", upheld)
    assert done.status_code == 200, done.text
    got = done.json()
    assert got["objection"]["status"] == "upheld"
    assert got["objection"]["investigator"] == "sun.lihua"
    rows = {r["entry"]: r for r in got["ranking"]["rows"]}
    assert rows[entry]["rank"] is None and rows[entry]["removed"] == "经核查瞒报工伤属实"
    assert got["ranking"]["inputs_hash"] != published.inputs_hash
    assert world.contests.recompute(key).matches
    after = world.events()
    again = await post(site, f"{url}/1/resolution", "sun.lihua", upheld)  # the same command
    assert again.status_code == 200 and again.json() == got and world.events() == after
    dismissed = {"outcome": "dismissed", "findings": "经核实不属实"}
    gone = await post(site, f"{url}/2/resolution", "sun.lihua", dismissed)
    assert gone.status_code == 200 and gone.json()["objection"]["status"] == "dismissed"
    refused(await post(site, f"{url}/2/resolution", "sun.lihua", dismissed), 409, "不是待处理")
    # The entry removed: a new objection to it is refused.
    refused(await post(site, url, "zhao.min", {"entry": entry, **NAMED}), 409, "移出")


async def test_objections_of_a_round_without_a_ranking_are_missing(site, world):
    from tests.contest.test_contest_service import open_ankang

    key = open_ankang(world)
    before = world.events()
    url = f"/api/v1/contests/{key}/objections"
    refused(await site.get(url, headers=person("sun.hao", API)), 404, "排名")
    refused(await post(site, url, "sun.hao", {"entry": f"{key}:dl-bearing", **NAMED}), 404, "排名")
    assert world.events() == before


async def test_the_objection_operations_are_in_the_openapi_schema(site):
    schema = (await site.get("/api/v1/openapi.json")).json()
    paths = schema["paths"]
    objections = paths["/api/v1/contests/{round_key}/objections"]
    assert set(objections) >= {"get", "post"}
    resolution = paths["/api/v1/contests/{round_key}/objections/{no}/resolution"]["post"]
    assert {"200", "403", "404", "409", "422"} <= set(resolution["responses"])
    assert PROBLEM in resolution["responses"]["409"]["content"]
    parts = schema["components"]["schemas"]
    assert {"entry", "substance", "anonymous", "name", "contact", "command_id"} <= set(
        parts["ObjectionRequest"]["properties"]
    )
    assert parts["ResolutionRequest"]["properties"]["outcome"]["enum"] == ["upheld", "dismissed"]
