"""The inbox (待办): what waits for the signed-in person, its due date, overdue in words."""

from __future__ import annotations

from bootstrap import App
from domain.wage_contract import AppointNegotiators, RecordReply
from tests.wage_contract.helpers import (
    CADRE,
    REVIEWER,
    negotiators,
    no_workflow_left_open,  # noqa: F401 - an autouse fixture
    offer,
    pass_deadline,
    service,
    to_review,
)
from tests.web.pages_support import person, web_client, web_reader, web_settings  # noqa: F401 - fixtures

DELEGATE = "liu.qiang"


async def test_the_inbox_lists_a_due_review_for_the_reviewer_and_nothing_for_a_delegate(
    client, app: App, time_skipping_env, task_queue
):
    view = await to_review(service(time_skipping_env, app, task_queue))
    due = str(view.reviews[-1].due)
    page = await client.get("/inbox", headers=person(REVIEWER))
    assert page.status_code == 200
    assert 'href="/cases/WC-1"' in page.text and "预审通过 / 退回修改" in page.text
    assert due in page.text and "overdue-row" not in page.text
    rows = (await client.get("/api/v1/inbox", headers=person(REVIEWER, {}))).json()["items"]
    assert [(r["process"], r["key"], r["due"], r["overdue"], r["url"]) for r in rows] == [
        ("wage_contract", "WC-1", due, False, "/cases/WC-1")
    ]
    assert rows[0]["todo_en"] == "approve / return for revision"

    nothing = await client.get("/inbox", headers=person(DELEGATE))
    assert nothing.status_code == 200 and "没有待办事项" in nothing.text
    assert "/cases/WC-1" not in nothing.text
    assert (await client.get("/api/v1/inbox", headers=person(DELEGATE, {}))).json()["items"] == []
    # The cadre who submitted waits for the reviewer: nothing of theirs either.
    assert (await client.get("/api/v1/inbox", headers=person(CADRE, {}))).json()["items"] == []


async def test_an_overdue_item_is_marked_in_words_not_by_colour_alone(
    client, app: App, time_skipping_env, task_queue
):
    svc = service(time_skipping_env, app, task_queue)
    await svc.open(CADRE, offer("WC-9"))
    await svc.act("WC-9", CADRE, RecordReply(content="同意协商"))
    view = await svc.act("WC-9", CADRE, AppointNegotiators(negotiators=negotiators()))
    await pass_deadline(time_skipping_env, "talks_start_reminder", "WC-9")
    await pass_deadline(time_skipping_env, "talks_start", "WC-9")
    page = await client.get("/inbox", headers=person(CADRE))
    row = page.text.split('<tr class="overdue-row">', 1)[1].split("</tr>", 1)[0]
    assert 'href="/cases/WC-9"' in row and str(view.talks_start_due) in row
    assert '<span class="overdue">已逾期</span>' in row
    en = await client.get("/inbox?lang=en", headers=person(CADRE))
    assert '<span class="overdue">overdue</span>' in en.text
    rows = (await client.get("/api/v1/inbox", headers=person(CADRE, {}))).json()["items"]
    assert [r["overdue"] for r in rows if r["key"] == "WC-9"] == [True]


async def test_the_inbox_needs_a_signed_in_person(reader):
    page = await reader.get("/inbox", headers={"accept": "text/html"})
    assert page.status_code == 401 and 'href="/login?next=' in page.text
    api = await reader.get("/api/v1/inbox")
    assert api.status_code == 401
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["reason_en"] == "sign in first"


async def test_the_top_bar_offers_each_role_its_pages(signed_in_client):
    """An auditor finds the audit page from the top bar, a reviewer the cases; a delegate
    neither."""
    auditor = await signed_in_client("zhou.yan")
    bar = (await auditor.get("/inbox")).text.split("</nav>", 1)[0]
    assert 'href="/audit"' in bar and 'href="/cases"' not in bar
    reviewer = await signed_in_client("chen.jing")
    bar = (await reviewer.get("/inbox")).text.split("</nav>", 1)[0]
    assert 'href="/cases"' in bar and 'href="/audit"' not in bar
    delegate = await signed_in_client("liu.qiang")
    bar = (await delegate.get("/inbox")).text.split("</nav>", 1)[0]
    assert 'href="/cases"' not in bar and 'href="/audit"' not in bar
