"""The employees' written request for the offer on the web (``wage offer-request``): the
unit's cadre records it from a form linked from /cases/new; the inbox then asks for the
offer; a double submit records once; below the profile's fraction, more signatures than
employees, a second request of the year or someone who is not a cadre: refused in the
domain's words, nothing written. No Temporal server is needed."""

from __future__ import annotations

from bootstrap import App
from domain.wage_contract.offer_request import offer_request_id
from tests.wage_contract.helpers import CADRE, REVIEWER
from tests.web.pages_support import form, person, web_reader, web_settings

__all__ = ["web_reader", "web_settings"]  # fixtures: the web app without Temporal

URL = "/cases/offer-request"


def written(app: App) -> int:
    return app.ledger.max_notification_id()


def ask(**fields: str) -> dict[str, str]:
    return form(**{"year": "2026", "employees": "500", "signatures": "120", **fields})


async def test_the_cadre_records_the_employees_request_once_and_the_inbox_asks_for_the_offer(
    reader, app: App
):
    start = await reader.get("/cases/new", headers=person(CADRE))
    assert f'href="{URL}"' in start.text
    page = await reader.get(URL, headers=person(CADRE))
    assert page.status_code == 200 and "大连轴承制造有限公司工会" in page.text
    assert "1/5" in page.text and 'name="command_id"' in page.text
    sent = ask()
    done = await reader.post(URL, data=sent, headers=person(CADRE))
    assert done.status_code == 303 and done.headers["location"] == f"{URL}?done=2026"
    after = written(app)
    again = await reader.post(URL, data=sent, headers=person(CADRE))  # a double click
    assert again.status_code == 303 and again.headers["location"] == done.headers["location"]
    assert written(app) == after
    view = app.ledger.find(offer_request_id("dl-bearing", 2026)).view()
    assert (view.employees, view.signatures, view.recorded_by) == (500, 120, CADRE)
    shown = await reader.get(done.headers["location"], headers=person(CADRE))
    assert 'role="status"' in shown.text and "500 名职工中 120 人书面要求" in shown.text
    assert 'href="/cases/new"' in shown.text
    inbox = await reader.get("/inbox", headers=person(CADRE))
    assert "发出要约（500名职工中120人书面要求" in inbox.text
    english = await reader.get(f"{URL}?lang=en", headers=person(CADRE))
    assert (
        "written request for the offer" in english.text and "Employees who signed" in english.text
    )


async def test_a_request_that_does_not_oblige_or_is_not_theirs_is_refused_and_writes_nothing(
    reader, app: App
):
    before = written(app)
    few = await reader.post(URL, data=ask(signatures="50"), headers=person(CADRE))
    assert few.status_code == 422 and "未达到1/5" in few.text
    assert 'value="50"' in few.text  # what was typed stays
    more = await reader.post(URL, data=ask(signatures="600"), headers=person(CADRE))
    assert more.status_code == 422 and "多于职工人数" in more.text
    blank = await reader.post(URL, data=ask(employees=""), headers=person(CADRE))
    assert blank.status_code == 422
    reviewer = await reader.post(URL, data=ask(), headers=person(REVIEWER))
    assert reviewer.status_code == 403
    assert written(app) == before
    assert (await reader.post(URL, data=ask(), headers=person(CADRE))).status_code == 303
    after = written(app)
    second = await reader.post(URL, data=ask(signatures="200"), headers=person(CADRE))
    assert second.status_code == 409 and "已登记" in second.text and written(app) == after
    view = app.ledger.find(offer_request_id("dl-bearing", 2026)).view()
    assert view.signatures == 120  # unchanged
