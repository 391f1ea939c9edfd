"""Long inboxes and case lists come a page at a time: overdue first, then by due date,
with the counts of the whole list, previous/next links, and a refusal for a bad page."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta

import pytest

from application.calendar import work_calendar
from application.profiles import load_profile
from bootstrap import App
from domain.actors import CHINA_TZ, Acting, CommandMeta, Role, system_acting
from domain.wage_contract import (
    AppointNegotiators,
    FlagTalksStartOverdue,
    RecordReply,
    WageContract,
)
from tests.wage_contract.helpers import CADRE, REVIEWER, negotiators, offer
from tests.web.pages_support import HTMX, person, web_reader, web_settings  # noqa: F401 - fixtures

UNIT_PATH = ["dl-city", "dl-ganjingzi", "dl-bearing"]
CADRE_ACTING = Acting(actor_id=CADRE, role=Role.CADRE, roles=[Role.CADRE], org_id="dl-bearing")
FIRST_DAY = date(2026, 3, 2)


def meta(day: date, acting: Acting = CADRE_ACTING) -> CommandMeta:
    return CommandMeta(
        command_id=str(uuid.uuid4()),
        acting=acting,
        occurred_at=datetime.combine(day, time(10), tzinfo=CHINA_TZ),
    )


def seed(app: App, n: int, *, overdue: tuple[int, ...] = ()) -> None:
    """``n`` open cases of the cadre's unit, offered on different days (so their due
    dates differ), saved straight to the ledger; the ``overdue`` ones are in talks that
    did not start in time."""
    profile = load_profile("liaoning")
    calendar = work_calendar()
    for i in range(n):
        day = FIRST_DAY + timedelta(days=(i * 7) % 40)
        case = WageContract.open(
            offer(f"P-{i:03d}"),
            meta(day),
            unit_path=UNIT_PATH,
            wage_area_class=1,
            profile=profile,
            today=day,
        )
        if i in overdue:
            case.handle(RecordReply(content="同意"), meta(day), today=day, calendar=calendar)
            case.handle(
                AppointNegotiators(negotiators=negotiators()),
                meta(day),
                today=day,
                calendar=calendar,
            )
            late = day + timedelta(days=120)
            case.handle(
                FlagTalksStartOverdue(), meta(late, system_acting()), today=late, calendar=calendar
            )
        app.ledger.save(case)


async def all_pages(reader, path: str, size: int) -> list[dict]:
    pages, page = [], 1
    while page:
        got = await reader.get(f"{path}?page={page}&size={size}", headers=person(CADRE, {}))
        assert got.status_code == 200, got.text
        pages.append(got.json())
        page = pages[-1]["next_page"]
    return pages


async def test_a_long_inbox_comes_in_pages_overdue_first_then_by_due_date(reader, app: App):
    seed(app, 120, overdue=(77, 5))
    pages = await all_pages(reader, "/api/v1/inbox", 50)
    assert [len(p["items"]) for p in pages] == [50, 50, 20]
    assert [(p["page"], p["pages"], p["prev_page"], p["next_page"]) for p in pages] == [
        (1, 3, None, 2),
        (2, 3, 1, 3),
        (3, 3, 2, None),
    ]
    assert {(p["total"], p["overdue"]) for p in pages} == {(120, 2)}
    assert pages[0]["counts"] == [
        {"key": "wage_contract", "zh": "工资专项集体合同", "en": "wage contract", "count": 120}
    ]
    items = [item for p in pages for item in p["items"]]
    assert sorted(i["key"] for i in items) == [f"P-{i:03d}" for i in range(120)]  # each once
    assert [i["overdue"] for i in items[:3]] == [True, True, False]
    dues = [i["due"] for i in items]
    assert dues[:2] == sorted(dues[:2]) and dues[2:] == sorted(dues[2:])
    assert len(set(dues)) > 1  # the order is by date, not by chance
    assert all(i["url"] == f"/cases/{i['key']}" for i in items)


async def test_the_inbox_page_shows_counts_and_links_and_htmx_gets_only_the_list(reader, app: App):
    seed(app, 60, overdue=(10,))
    first = await reader.get("/inbox?size=25", headers=person(CADRE))
    assert first.status_code == 200
    assert first.text.count('<tr class="overdue-row">') == 1
    assert first.text.count("<tr") == 26  # 25 rows and the header
    assert "共 60 项，其中 1 项已逾期" in first.text and "第 1 / 3 页" in first.text
    assert 'href="/inbox?page=2&amp;size=25" rel="next"' in first.text
    assert 'hx-get="/inbox?page=2&amp;size=25"' in first.text and 'rel="prev"' not in first.text
    last = await reader.get("/inbox?page=3&size=25", headers={**person(CADRE), **HTMX})
    assert last.status_code == 200
    assert last.text.lstrip().startswith('<section id="inbox-page"') and "<html" not in last.text
    assert last.text.count("<tr") == 11 and 'rel="prev"' in last.text
    assert 'rel="next"' not in last.text
    en = await reader.get("/inbox?size=25&lang=en", headers=person(CADRE))
    assert "60 items, 1 of them overdue" in en.text and "page 1 of 3" in en.text


async def test_the_case_list_comes_in_pages_with_counts_per_stage(reader, app: App):
    seed(app, 30, overdue=(20,))
    pages = await all_pages(reader, "/api/v1/cases", 12)
    assert [len(p["items"]) for p in pages] == [12, 12, 6]
    assert pages[0]["items"][0]["case_id"] == "P-020" and pages[0]["items"][0]["overdue"]
    assert {(c["key"], c["count"]) for c in pages[0]["counts"]} == {
        ("offered", 29),
        ("in_talks", 1),
    }
    ids = [c["case_id"] for p in pages for c in p["items"]]
    assert sorted(ids) == [f"P-{i:03d}" for i in range(30)]
    page = await reader.get("/cases?page=2&size=12", headers=person(REVIEWER))
    assert page.status_code == 200 and page.text.count("<tr") == 13
    assert "共 30 个案件，其中 1 个案件已逾期" in page.text and "第 2 / 3 页" in page.text


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=abc", "size=0", "size=201", "page=-1", "page=4&size=10"],
)
async def test_a_bad_page_is_refused_as_a_422_problem(reader, app: App, query: str):
    seed(app, 30)
    for path in ("/api/v1/inbox", "/api/v1/cases"):
        refused = await reader.get(f"{path}?{query}", headers=person(CADRE, {}))
        assert refused.status_code == 422, (path, query, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["reason_zh"] and refused.json()["reason_en"]
    page = await reader.get(f"/inbox?{query}", headers=person(CADRE))
    assert page.status_code == 422 and "<html" in page.text


async def test_an_empty_inbox_is_one_empty_page(reader, app: App):
    empty = (await reader.get("/api/v1/inbox", headers=person(REVIEWER, {}))).json()
    assert (empty["items"], empty["total"], empty["page"], empty["pages"]) == ([], 0, 1, 1)
    assert empty["next_page"] is None and empty["prev_page"] is None


async def test_the_paging_parameters_are_in_the_openapi_schema(reader):
    schema = (await reader.get("/api/v1/openapi.json")).json()
    for path in ("/api/v1/inbox", "/api/v1/cases"):
        params = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert params["page"]["schema"]["minimum"] == 1
        assert params["size"]["schema"]["maximum"] == 200


async def test_a_kept_inbox_is_listed_afresh_after_any_new_event_and_on_a_new_day(
    reader, app: App, monkeypatch: pytest.MonkeyPatch
):
    import interfaces.web.work as work

    seed(app, 5)
    listed = []
    real = work._all_items

    def counting(*args, **kwargs):
        listed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(work, "_all_items", counting)

    async def total() -> int:
        got = await reader.get("/api/v1/inbox", headers=person(CADRE, {}))
        assert got.status_code == 200, got.text
        return got.json()["total"]

    assert await total() == 5
    assert await total() == 5 and len(listed) == 1  # nothing changed: kept
    app.ledger.save(
        WageContract.open(
            offer("Q-000"),
            meta(FIRST_DAY),
            unit_path=UNIT_PATH,
            wage_area_class=1,
            profile=load_profile("liaoning"),
            today=FIRST_DAY,
        )
    )
    assert await total() == 6 and len(listed) == 2  # a new event: listed afresh
    monkeypatch.setattr(work, "app_today", lambda: date(2099, 1, 1))
    assert await total() == 6 and len(listed) == 3  # a new day: listed afresh
