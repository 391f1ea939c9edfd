"""The operator's pages (运维): directory, accounts, directory upload, profiles, calendar.
People sign in through the real ``/login`` (``signed_in_client``); no Temporal is needed."""

from __future__ import annotations

import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import chinese_calendar
import httpx
import pytest
import yaml

from application.accounts import AccountService
from application.calendar import record_schedule
from bootstrap import App
from domain.accounts import account_id
from domain.actors import Role
from domain.directory import actor_id
from tests.conftest import EXAMPLE_DIRECTORY
from tests.web.conftest import form_csrf, login

OPERATOR = "ops.admin"
HTML = {"accept": "text/html"}
PAGES = [
    "/operator/directory",
    "/operator/actors/wang.li",
    "/operator/accounts",
    "/operator/directory/upload",
    "/operator/profiles",
    "/operator/calendar",
    "/operator/calendar/2026",
]


def events_of(app: App, actor: str) -> list[str]:
    return [type(e).__name__ for e in app.ledger.stream(account_id(actor))]


def tree_depths(page: str) -> dict[str, int]:
    """Each organisation's name on the directory page, with how deep its list is nested."""

    class Tree(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[bool] = []  # each open <ul>: whether it is an org list
            self.strong = False
            self.depths: dict[str, int] = {}

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "ul":
                self.open.append(("class", "tree") in attrs)
            self.strong = tag == "strong"

        def handle_endtag(self, tag: str) -> None:
            if tag == "ul":
                self.open.pop()
            self.strong = False

        def handle_data(self, data: str) -> None:
            if self.strong and data.strip():
                self.depths[data.strip()] = sum(self.open)

    parser = Tree()
    parser.feed(page[page.index("<main") :])
    return parser.depths


def issued_code(page: httpx.Response) -> str:
    found = re.search(r"data-setup-code>([A-Z0-9-]+)<", page.text)
    assert found, page.text
    return found[1]


@pytest.mark.parametrize("who", ["wang.li", "zhou.yan"])
async def test_only_an_operator_may_open_the_operator_pages_or_act(
    signed_in_client, app: App, who: str
):
    person = await signed_in_client(who)
    for path in PAGES:
        got = await person.get(path)
        assert got.status_code == 403, path
        assert got.headers["content-type"].startswith("application/problem+json")
        assert got.json()["reason_zh"] and got.json()["reason_en"]
    page = await person.get("/operator/accounts", headers=HTML)
    assert page.status_code == 403 and "运维管理员" in page.text
    before = events_of(app, "liu.qiang")
    refused = await person.post("/operator/accounts/liu.qiang/setup-code", data={"command_id": "x"})
    assert refused.status_code == 403 and events_of(app, "liu.qiang") == before
    home = await person.get("/inbox", headers=HTML)
    assert 'href="/operator"' not in home.text


async def test_the_directory_shows_the_tree_nested_with_each_organisations_people(
    signed_in_client,
):
    ops = await signed_in_client(OPERATOR)
    home = await ops.get("/inbox", headers=HTML)
    assert 'href="/operator">运维</a>' in home.text
    page = (await ops.get("/operator", headers=HTML, follow_redirects=True)).text
    example = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    orgs, people = len(example["organisations"]), len(example["actors"])
    assert f"组织 {orgs} 个，人员 {people} 名" in page
    depth = tree_depths(page)
    assert depth["大连市总工会"] == 1 and depth["甘井子区总工会"] == depth["大连市轻纺工会"] == 2
    assert depth["大连轴承制造有限公司工会"] == depth["大连华艺服装有限公司工会"] == 3
    city, district = page.index("大连市总工会"), page.index("甘井子区总工会")
    bearing, wang = page.index("大连轴承制造有限公司工会"), page.index("王丽（wang.li）")
    assert city < district < bearing < wang
    assert re.search(r"王丽（wang.li）</a> <span class=\"muted\">工会干部</span>", page)
    english = (await ops.get("/operator/directory?lang=en", headers=HTML)).text
    assert "Dalian Bearing Manufacturing Co. union" in english and "grassroots union" in english


async def test_an_actor_page_shows_roles_and_the_account_state(
    signed_in_client, accounts: AccountService
):
    ops = await signed_in_client(OPERATOR)
    await signed_in_client("chen.jing")  # a reviewer: password and TOTP
    page = (await ops.get("/operator/actors/chen.jing", headers=HTML)).text
    assert "大连市总工会 → 甘井子区总工会" in page and "上级工会审查人" in page
    assert 'data-state="active"' in page and "已绑定" in page and "未锁定" in page
    fresh = (await ops.get("/operator/actors/he.jun", headers=HTML)).text
    assert 'data-state="none"' in fresh and "未绑定" in fresh
    missing = await ops.get("/operator/actors/nobody.here")
    assert missing.status_code == 404


async def test_an_issued_setup_code_is_shown_once_and_sets_the_password(
    signed_in_client, app: App, anonymous: httpx.AsyncClient
):
    ops = await signed_in_client(OPERATOR)
    accounts = (await ops.get("/operator/accounts", headers=HTML)).text
    assert 'action="/operator/accounts/he.jun/setup-code"' in accounts
    form = {"command_id": f"{uuid.uuid4()}-code-he.jun"}
    first = await ops.post("/operator/accounts/he.jun/setup-code", data=form, headers=HTML)
    assert first.status_code == 200 and first.headers["cache-control"] == "no-store"
    code = issued_code(first)
    assert "当面" in first.text and "/setup?actor=he.jun" in first.text
    # The same form again (a double click, a retry) issues nothing new and shows no code.
    again = await ops.post("/operator/accounts/he.jun/setup-code", data=form, headers=HTML)
    assert again.status_code == 200 and "data-setup-code" not in again.text
    assert "此表单已签发过设置码" in again.text
    assert events_of(app, "he.jun") == ["Created", "SetupCodeIssued"]
    issued = list(app.ledger.stream(account_id("he.jun")))[-1]
    assert issued.actor == {"id": OPERATOR, "role": "operator", "org": "dl-city", "channel": "web"}
    # The code works once at /setup, and he signs in with his own password.
    setup = await anonymous.get("/setup?actor=he.jun")
    done = await anonymous.post(
        "/setup",
        data={
            "csrf_token": form_csrf(setup.text),
            "actor_id": "he.jun",
            "code": code.lower(),
            "password": "a password of his own",
            "password2": "a password of his own",
        },
    )
    assert done.status_code == 303 and done.headers["location"] == "/login?notice=setup"
    signed = await login(anonymous, "he.jun", "a password of his own")
    assert signed.status_code == 303


async def test_unlock_lifts_a_lock_as_the_operator_and_once_per_form(
    signed_in_client, app: App, accounts: AccountService, anonymous: httpx.AsyncClient
):
    ops = await signed_in_client(OPERATOR)
    await signed_in_client("wang.li")
    for _ in range(5):
        await login(anonymous, "wang.li", "not her password")
    locked = (await ops.get("/operator/actors/wang.li", headers=HTML)).text
    assert "锁定至" in locked and 'action="/operator/accounts/wang.li/unlock"' in locked
    form = {"command_id": f"{uuid.uuid4()}-unlock-wang.li"}
    for _ in range(2):
        done = await ops.post("/operator/accounts/wang.li/unlock", data=form)
        assert done.status_code == 303
        assert done.headers["location"] == "/operator/actors/wang.li?notice=unlocked"
    assert events_of(app, "wang.li").count("Unlocked") == 1
    event = list(app.ledger.stream(account_id("wang.li")))[-1]
    assert type(event).__name__ == "Unlocked" and event.actor["id"] == OPERATOR
    assert event.actor["channel"] == "web"
    page = (await ops.get("/operator/actors/wang.li?notice=unlocked", headers=HTML)).text
    assert "已解锁" in page and "未锁定" in page and "/unlock" not in page
    assert (await login(anonymous, "wang.li")).status_code == 303


async def test_a_directory_upload_loads_as_the_cli_does_and_a_bad_file_changes_nothing(
    signed_in_client, app: App
):
    ops = await signed_in_client(OPERATOR)
    page = await ops.get("/operator/directory/upload", headers=HTML)
    assert 'enctype="multipart/form-data"' in page.text
    good = {
        "organisations": [{"code": "dl-city", "name": "大连市总工会", "kind": "city_federation"}],
        "actors": [{"id": "new.person", "name": "新同志", "org": "dl-city", "roles": ["cadre"]}],
    }
    body = yaml.safe_dump(good, allow_unicode=True).encode()
    files = {"file": ("directory.yaml", body, "text/yaml")}
    loaded = await ops.post("/operator/directory/upload", files=files, headers=HTML)
    assert loaded.status_code == 200 and "新增 1" in loaded.text, loaded.text
    created = app.ledger.stream(actor_id("new.person"))[0]
    assert created.actor["id"] == OPERATOR and created.actor["channel"] == "web"
    assert "web upload directory.yaml" in created.comment
    again = await ops.post("/operator/directory/upload", files=files, headers=HTML)
    assert "新增 0" in again.text and "未变 2" in again.text
    bad = {**good, "actors": [{"id": "x.y", "name": "某人", "org": "no-such", "roles": ["cadre"]}]}
    refused = await ops.post(
        "/operator/directory/upload",
        data={"text": yaml.safe_dump(bad, allow_unicode=True)},
        headers=HTML,
    )
    assert refused.status_code == 422 and "所属组织 no-such 不存在" in refused.text
    assert app.ledger.find(actor_id("x.y")) is None
    empty = await ops.post("/operator/directory/upload", data={"text": " "}, headers=HTML)
    assert empty.status_code == 422 and "请上传或粘贴名录文件" in empty.text


async def test_the_profiles_page_shows_each_rule_with_the_file_that_sets_it(signed_in_client):
    ops = await signed_in_client(OPERATOR)
    page = (await ops.get("/operator/profiles", headers=HTML)).text
    liaoning = page[page.index('id="profile-liaoning"') : page.index('id="profile-national"')]
    assert "使用中" in liaoning and "liaoning.yaml</code> 继承 <code>national.yaml" in liaoning
    row = re.search(r"<code>minimum_wage</code>.*?</tr>", liaoning, re.S)
    assert row and "2230" in row[0] and "<code>liaoning.yaml</code>" in row[0]
    row = re.search(r"<code>adoption_quorum</code>.*?</tr>", liaoning, re.S)
    assert row and "≥ 2/3（三分之二）" in row[0] and "CCR §36" in row[0]
    assert "<code>national.yaml</code>" in row[0]


async def test_the_calendar_lists_each_years_source_and_marks_a_month_view(
    signed_in_client, app: App, tmp_path: Path
):
    schedule = {
        "year": 2027,
        "holidays": ["2027-01-01", "2027-02-06", "2027-02-07"],
        "workdays": ["2027-02-13"],
        "source": "国办发明电（2026）测试号",
    }
    path = tmp_path / "2027.yaml"
    path.write_text(yaml.safe_dump(schedule, allow_unicode=True), encoding="utf-8")
    loaded = app.calendar.install(path)
    record_schedule(app.ledger, loaded, app.directory.acting(OPERATOR, Role.OPERATOR), "2027.yaml")
    ops = await signed_in_client(OPERATOR)
    page = (await ops.get("/operator/calendar", headers=HTML)).text
    assert re.search(r'data-year="2027" data-kind="loaded"', page)
    row = page[page.index('data-year="2027"') :]
    row = row[: row.index("</tr>")]
    assert "国办发明电（2026）测试号" in row and "周运维（ops.admin）" in row
    assert 'data-year="2026" data-kind="package"' in page
    assert 'data-year="2028" data-kind="provisional"' in page
    year = (await ops.get("/operator/calendar/2026", headers=HTML)).text
    adjusted = min(d for d in chinese_calendar.workdays if d.year == 2026)
    rest = min(d for d in chinese_calendar.holidays if d.year == 2026)
    assert f'data-date="{adjusted.isoformat()}" data-kind="workday"' in year
    assert f'data-date="{rest.isoformat()}" data-kind="holiday"' in year
    assert 'data-date="2026-12-02" data-kind="working"' in year  # a Wednesday
    provisional = (await ops.get("/operator/calendar/2028", headers=HTML)).text
    assert 'class="notice" data-kind="provisional"' in provisional
    assert (await ops.get("/operator/calendar/1900")).status_code == 404
