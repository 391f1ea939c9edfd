"""A cadre's starting steps on the web: the offer that opens a wage case, a congress term
and its roster (all rows or none, every bad row listed), the call for motions, convening a
session. Each is refused in the domain's words with nothing written, for the wrong person
as for bad input; each form posted twice applies once."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook

from bootstrap import App
from domain.congress import congress_id, term_end
from domain.session import session_id_for, session_ledger_id
from tests.conftest import ROOT
from tests.congress.workflow.test_session_workflow import congress_with_roster, today
from tests.wage_contract.helpers import CADRE, REVIEWER, no_workflow_left_open
from tests.web.pages_support import form, person, web_client, web_reader, web_settings

# Fixtures: the web app with Temporal (``client``) or without (``reader``), its settings,
# no workflow left open.
__all__ = ["no_workflow_left_open", "web_client", "web_reader", "web_settings"]

OTHER_CADRE = "zhao.min"  # a cadre of dl-garment, not of dl-bearing
DELEGATE = "liu.qiang"
ROSTER = ROOT / "examples" / "roster.csv"
HEADER = "编号,姓名,选区,类别,性别\n"


def _offer(**fields: str) -> dict[str, str]:
    offer = {
        "unit": "dl-bearing",
        "employer": "大连轴承有限公司",
        "year": "2026",
        "place": "公司三楼会议室",
        "content": "2026年度工资专项集体协商要约",
    }
    return form(**{**offer, **fields})


def _case_count(app: App) -> int:
    return len(app.facades().wage_contracts.cases())


async def test_a_cadre_opens_a_wage_case_from_the_offer_form_once(client, app: App):
    cases = await client.get("/cases", headers=person(CADRE))
    assert 'href="/cases/new"' in cases.text
    page = await client.get("/cases/new", headers=person(CADRE))
    assert page.status_code == 200 and 'name="command_id"' in page.text
    assert "大连" in page.text or "dl-bearing" in page.text  # the cadre's own unit, by name

    offer = _offer(case_id="WC-2026-007")
    opened = await client.post("/cases/new", data=offer, headers=person(CADRE))
    assert (
        opened.status_code == 303 and opened.headers["location"] == "/cases/WC-2026-007?done=open"
    )
    again = await client.post("/cases/new", data=offer, headers=person(CADRE))  # a double click
    assert again.status_code == 303 and again.headers["location"] == opened.headers["location"]
    assert _case_count(app) == 1
    shown = await client.get("/cases/WC-2026-007?done=open", headers=person(CADRE))
    assert "发出要约" in shown.text and "大连轴承有限公司" in shown.text
    view = app.facades().wage_contracts.view("WC-2026-007")
    assert view.opened_by == CADRE and view.offer_place == "公司三楼会议室"

    # Without a number, the form makes one; the same form posted twice is still one case.
    made = _offer(employer="另一家企业")
    first = await client.post("/cases/new", data=made, headers=person(CADRE))
    second = await client.post("/cases/new", data=made, headers=person(CADRE))
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert first.headers["location"].startswith("/cases/WC-2026-dl-bearing-")
    assert _case_count(app) == 2


async def test_an_offer_is_refused_for_another_unit_a_reviewer_or_bad_input_and_writes_nothing(
    client, app: App
):
    other = await client.post(
        "/cases/new", data=_offer(case_id="WC-X1"), headers=person(OTHER_CADRE)
    )
    assert other.status_code == 403 and "只有本单位（dl-bearing）工会干部" in other.text
    reviewer = await client.post(
        "/cases/new", data=_offer(case_id="WC-X2"), headers=person(REVIEWER)
    )
    assert reviewer.status_code == 403
    blank = await client.post(
        "/cases/new", data=_offer(case_id="WC-X3", employer=""), headers=person(CADRE)
    )
    assert blank.status_code == 422 and "employer" in blank.text
    assert "公司三楼会议室" in blank.text  # what was typed stays in the form
    english = await client.post(
        "/cases/new?lang=en", data=_offer(case_id="WC-X4", year="1999"), headers=person(CADRE)
    )
    assert english.status_code == 422 and "Nothing was recorded" in english.text
    assert _case_count(app) == 0
    # A case number taken by another offer is refused, and that case is unchanged.
    await client.post("/cases/new", data=_offer(case_id="WC-X5"), headers=person(CADRE))
    taken = await client.post(
        "/cases/new", data=_offer(case_id="WC-X5", place="别处"), headers=person(CADRE)
    )
    assert taken.status_code == 409 and "已存在" in taken.text
    assert app.facades().wage_contracts.view("WC-X5").offer_place == "公司三楼会议室"


def _term(**fields: str) -> dict[str, str]:
    term = {"unit": "dl-bearing", "term_no": "6", "start": "2026-01-01", "years": "5"}
    return form(**{**term, **fields})


def _upload(name: str, data: bytes, command_id: str = "roster-1") -> dict:
    return {
        "data": {"csrf_token": "t", "command_id": command_id},
        "files": {"file": (name, io.BytesIO(data), "application/octet-stream")},
    }


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_a_cadre_sets_up_a_term_once_and_another_unit_cannot(client, app: App):
    listed = await client.get("/congresses", headers=person(CADRE))
    assert 'href="/congresses/new"' in listed.text
    term = _term()
    created = await client.post("/congresses", data=term, headers=person(CADRE))
    assert created.status_code == 303
    assert created.headers["location"] == "/congresses/dl-bearing-6?done=created"
    again = await client.post("/congresses", data=term, headers=person(CADRE))
    assert again.status_code == 303 and again.headers["location"] == created.headers["location"]
    version = app.ledger.get(congress_id("dl-bearing-6")).version
    assert version == 1 and app.congresses.view("dl-bearing-6").term_end.isoformat() == "2030-12-31"

    other = await client.post("/congresses", data=_term(term_no="7"), headers=person(OTHER_CADRE))
    assert other.status_code == 403 and "只有本单位（dl-bearing）工会干部" in other.text
    overlapping = await client.post("/congresses", data=_term(term_no="7"), headers=person(CADRE))
    assert overlapping.status_code in (409, 422) and "未记录任何内容" in overlapping.text
    both = await client.post(
        "/congresses", data=_term(term_no="8", end="2031-12-31"), headers=person(CADRE)
    )
    assert both.status_code == 422 and "二者取一" in both.text
    assert [v.key for v in app.congresses.congresses()] == ["dl-bearing-6"]
    # A committee of a union that holds no congress (the city federation's).
    committee = await client.post(
        "/congresses",
        data=form(unit="dl-city", term_no="1", start="2026-01-01", years="3", committee="true"),
        headers=person("sun.lihua"),
    )
    assert committee.status_code == 303, committee.text
    assert committee.headers["location"] == "/congresses/dl-city-committee-1?done=created"


async def test_a_roster_with_bad_rows_is_refused_whole_listing_each_row_then_a_good_one_imports_once(
    client, app: App
):
    await client.post("/congresses", data=_term(), headers=person(CADRE))
    url = "/congresses/dl-bearing-6/roster"
    bad = (
        (
            HEADER + "a01,张三,一车间,一线职工,男\n"
            "a02,李四,一车间,一线职工,未知\n"  # row 3: gender
            "a03,王五,一车间,厨师,女\n"  # row 4: category
            "a01,赵六,二车间,管理人员,女\n"  # row 5: a repeated id
        ).encode()
    )
    refused = await client.post(url, **_upload("名册.csv", bad), headers=person(CADRE))
    assert refused.status_code == 422
    assert "3 处错误，未导入任何代表" in refused.text
    for row, reason in (("3", "性别“未知”无效"), ("4", "类别“厨师”无效"), ("5", "与第2行重复")):
        assert f"<td>{row}</td>" in refused.text and reason in refused.text
    assert app.congresses.view("dl-bearing-6").total() == 0

    sheet = _xlsx(
        [["编号", "姓名", "选区", "类别", "性别"], ["b01", "", "一车间", "一线职工", "男"]]
    )
    xlsx = await client.post(url, **_upload("roster.xlsx", sheet), headers=person(CADRE))
    assert xlsx.status_code == 422 and "<td>2</td>" in xlsx.text and "“姓名”为空" in xlsx.text
    text = await client.post(url, **_upload("roster.txt", b"x"), headers=person(CADRE))
    assert text.status_code == 422 and "CSV 或 XLSX" in text.text
    other = await client.post(
        url, **_upload("roster.csv", ROSTER.read_bytes()), headers=person(OTHER_CADRE)
    )
    assert other.status_code == 403
    assert app.congresses.view("dl-bearing-6").total() == 0

    good = _upload("roster.csv", ROSTER.read_bytes(), command_id="roster-good")
    imported = await client.post(url, **good, headers=person(CADRE))
    assert imported.status_code == 303, imported.text
    good = _upload("roster.csv", ROSTER.read_bytes(), command_id="roster-good")
    twice = await client.post(url, **good, headers=person(CADRE))
    assert twice.status_code == 303  # the same form again: answered, not refused row by row
    assert app.congresses.view("dl-bearing-6").total() == 30
    page = await client.get("/congresses/dl-bearing-6?done=roster", headers=person(CADRE))
    assert "名册已导入" in page.text and "张秀英" in page.text
    assert "代表构成检查" in page.text and "✓" in page.text
    seen_by_delegate = await client.get("/congresses/dl-bearing-6", headers=person(DELEGATE))
    assert (
        seen_by_delegate.status_code == 200
        and 'action="/congresses/dl-bearing-6/roster"' not in (seen_by_delegate.text)
    )


async def test_a_cadre_opens_the_call_for_motions_once(client, app: App, time_skipping_env):
    key = await congress_with_roster(app, time_skipping_env)
    day = (await today(time_skipping_env) + timedelta(days=30)).isoformat()
    call = form(session_on=day, command_id="call-1")
    opened = await client.post(f"/congresses/{key}/motion-call", data=call, headers=person(CADRE))
    assert opened.status_code == 303 and opened.headers["location"].endswith("?done=call#calls")
    again = await client.post(f"/congresses/{key}/motion-call", data=call, headers=person(CADRE))
    assert again.status_code == 303
    assert len(app.facades().motions.calls(key)) == 1
    delegate = await client.post(
        f"/congresses/{key}/motion-call", data=form(session_on=day), headers=person(DELEGATE)
    )
    assert delegate.status_code == 403
    later = (await today(time_skipping_env) + timedelta(days=40)).isoformat()
    second = await client.post(
        f"/congresses/{key}/motion-call", data=form(session_on=later), headers=person(CADRE)
    )
    assert second.status_code == 409 and "已有提案征集" in second.text
    assert len(app.facades().motions.calls(key)) == 1
    page = await client.get(f"/congresses/{key}", headers=person(CADRE))
    assert day in page.text


def _agenda(**rows: str) -> dict[str, str]:
    items = {
        "title-1": "审议《2026年度工资专项集体合同（草案）》",
        "kind-1": "approval",
        "title-2": "补选职工董事",
        "kind-2": "election",
        "candidates-2": "dlb-d01, dlb-d02 dlb-d03",
        "max-2": "1",
        "title-3": "",  # a blank row is skipped
        "title-4": "民主评议经营管理人员",
        "kind-4": "appraisal",
        "title-5": "审议职工食堂改进建议",
        "kind-5": "advice",
        "ballot-5": "named",
    }
    return {**items, **rows}


async def test_a_cadre_convenes_a_session_with_an_agenda_and_lands_on_the_chair_screen(
    client, app: App, time_skipping_env
):
    key = await congress_with_roster(app, time_skipping_env)
    d = await today(time_skipping_env)
    page = await client.get(f"/congresses/{key}/convene", headers=person(CADRE))
    assert page.status_code == 200 and 'name="title-5"' in page.text
    dates = {"papers_sent": d.isoformat(), "opens": (d + timedelta(days=6)).isoformat()}
    early = form(label="2026-1", **dates, **_agenda())
    refused = await client.post(f"/congresses/{key}/convene", data=early, headers=person(CADRE))
    assert refused.status_code == 422 and "7" in refused.text
    assert "补选职工董事" in refused.text  # the agenda typed stays in the form
    named = form(label="2026-1", **{**dates, "opens": (d + timedelta(days=7)).isoformat()})
    named |= _agenda(**{"ballot-1": "named"})
    secret_only = await client.post(f"/congresses/{key}/convene", data=named, headers=person(CADRE))
    assert secret_only.status_code in (409, 422), secret_only.text
    unknown = form(label="2026-1", **dates, **_agenda(**{"kind-4": "lottery"}))
    bad_kind = await client.post(f"/congresses/{key}/convene", data=unknown, headers=person(CADRE))
    assert bad_kind.status_code == 422 and "议题 3" in bad_kind.text  # numbered as convened
    other = form(label="2026-1", **{**dates, "opens": (d + timedelta(days=7)).isoformat()})
    other |= _agenda()
    stranger = await client.post(
        f"/congresses/{key}/convene", data=other, headers=person(OTHER_CADRE)
    )
    assert stranger.status_code == 403
    sid = session_id_for(key, "2026-1")
    assert not app.ledger.exists(session_ledger_id(sid))

    good = form(
        label="2026-1", papers_sent=d.isoformat(), opens=(d + timedelta(days=7)).isoformat()
    )
    good |= _agenda()
    convened = await client.post(f"/congresses/{key}/convene", data=good, headers=person(CADRE))
    assert convened.status_code == 303 and convened.headers["location"] == f"/sessions/{sid}"
    again = await client.post(f"/congresses/{key}/convene", data=good, headers=person(CADRE))
    assert again.status_code == 303 and again.headers["location"] == f"/sessions/{sid}"
    view = app.polls.session(sid)
    assert [i.title for i in view.agenda][1:] == [
        "补选职工董事",
        "民主评议经营管理人员",
        "审议职工食堂改进建议",
    ]
    assert [i.no for i in view.agenda] == [1, 2, 3, 4]
    assert view.agenda[1].candidates == ["dlb-d01", "dlb-d02", "dlb-d03"]
    assert view.agenda[3].is_secret() is False and view.agenda[0].is_secret() is True
    screen = await client.get(f"/sessions/{sid}", headers=person(CADRE))
    assert screen.status_code == 200 and "开幕" in screen.text
    taken = form(
        label="2026-1", papers_sent=d.isoformat(), opens=(d + timedelta(days=8)).isoformat()
    )
    taken |= _agenda()
    refused_again = await client.post(
        f"/congresses/{key}/convene", data=taken, headers=person(CADRE)
    )
    assert refused_again.status_code == 409 and "已存在" in refused_again.text


async def test_every_start_form_needs_the_sessions_csrf_token(signed_in_client, app: App):
    wang = await signed_in_client(CADRE)
    del wang.headers["X-CSRF-Token"]  # a page posted from another site carries no token
    app.congresses.create(CADRE, "dl-bearing-5", "dl-bearing", 5, *_dates("2020-01-01", 5))
    posts = [
        ("/cases/new", _offer(case_id="WC-C1")),
        ("/congresses", _term()),
        ("/congresses/dl-bearing-5/motion-call", form(session_on="2024-06-01")),
        ("/congresses/dl-bearing-5/convene", form(label="x", **_agenda())),
    ]
    for url, data in posts:
        for token in ("", "forged"):
            refused = await wang.post(url, data={**data, "csrf_token": token})
            assert refused.status_code == 403, (url, refused.text)
    upload = _upload("roster.csv", ROSTER.read_bytes())
    upload["data"]["csrf_token"] = "forged"
    refused = await wang.post("/congresses/dl-bearing-5/roster", **upload)
    assert refused.status_code == 403
    assert _case_count(app) == 0 and [v.key for v in app.congresses.congresses()] == [
        "dl-bearing-5"
    ]
    assert app.congresses.view("dl-bearing-5").total() == 0
    # With the session's token (as the page's form carries it) the same upload is imported.
    upload["data"]["csrf_token"] = wang.csrf
    assert (await wang.post("/congresses/dl-bearing-5/roster", **upload)).status_code == 303
    assert app.congresses.view("dl-bearing-5").total() == 30


def _dates(start: str, years: int) -> tuple[date, date]:
    first = date.fromisoformat(start)
    return first, term_end(first, years)


async def test_the_start_pages_read_without_temporal_in_both_languages_and_only_cadres_see_links(
    reader, app: App
):
    key = "dl-bearing-5"
    app.congresses.create(CADRE, key, "dl-bearing", 5, *_dates("2020-01-01", 5))
    pages = {
        "/cases/new": ("Send the offer", "发出要约"),
        "/congresses": ("Congress terms and committees", "职代会届次与评审委员会"),
        "/congresses/new": ("Set up a congress term", "建立职代会届次"),
        f"/congresses/{key}": ("Import the roster", "导入代表名册"),
        f"/congresses/{key}/convene": ("Convene the session", "召开会议"),
    }
    for url, (en, zh) in pages.items():
        english = await reader.get(f"{url}?lang=en", headers=person(CADRE))
        assert english.status_code == 200 and en in english.text, url
        chinese = await reader.get(f"{url}?lang=zh", headers=person(CADRE))
        assert chinese.status_code == 200 and zh in chinese.text, url
    more = await reader.get(f"/congresses/{key}/convene?rows=9", headers=person(CADRE))
    assert 'name="title-9"' in more.text and 'name="title-10"' not in more.text
    home = await reader.get("/", headers=person(CADRE))
    assert 'href="/cases/new"' in home.text and 'href="/congresses"' in home.text
    for outsider in (REVIEWER, DELEGATE):
        cases = await reader.get("/cases", headers=person(outsider))
        assert 'href="/cases/new"' not in cases.text
        term = await reader.get(f"/congresses/{key}", headers=person(outsider))
        assert f'href="/congresses/{key}/convene"' not in term.text
        assert 'action="/congresses/dl-bearing-5/motion-call"' not in term.text
    # A reader of the term who is not its unit's cadre (a cadre elsewhere reads no term).
    stranger = await reader.get(f"/congresses/{key}/convene", headers=person(REVIEWER))
    assert "只有本单位工会干部可以召开会议" in stranger.text
