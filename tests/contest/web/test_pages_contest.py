"""Contests through the web: the organiser's round dashboard, the judge's scoring form
(only assigned, non-conflicting entries; blind codes; commit then reveal), the entrant
unit's self-assessment, the public ranking and its files, and ``/api/v1/contests``. Each
form applies once per ``command_id``; a refusal says why and writes nothing; a round or
entry the reader may not read is missing to them."""

from __future__ import annotations

import io
import re
import warnings
from datetime import date

from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from application.contests import OpenContestRound, Registration
from domain.contest.definition import Severity
from domain.contest.scoring import sheet_commitment
from domain.contest.values import SheetStatus
from domain.safety import AccidentReport
from tests.contest.support import full
from tests.contest.test_contest_service import ANKANG, POOL, judging, registered, score_all
from tests.web.pages_support import form, person

API = {"accept": "application/json"}


def command_id(page: str, action: str) -> str:
    found = re.search(
        rf'action="{re.escape(action)}">.*?name="command_id" value="([^"]+)"', page, re.S
    )
    assert found, f"no form posting to {action}"
    return found[1]


def marks_form(share: float, **override: float) -> dict[str, str]:
    return {f"mark.{k}": str(v) for k, v in full(ANKANG, share, **override).items()}


def ranked(world) -> str:
    key = judging(world)
    world.contests.assign_pool("sun.lihua", key, POOL)
    score_all(world, key, {"dl-bearing": [0.95, 0.93, 0.99, 0.9, 0.94], "dl-seed": [0.97] * 5})
    world.safety.record_accident(
        "emergency.dept",
        AccidentReport(
            unit_org="dl-seed",
            on=date(2027, 2, 10),
            severity=Severity.SERIOUS,
            description="叉车伤人",
        ),
    )
    world.clock.later(days=1)
    world.contests.rank("sun.lihua", key)
    return key


async def test_the_organisers_dashboard_shows_entries_progress_and_laggards(site, world):
    key = registered(world)
    world.contests.register(
        "sun.lihua", key, Registration(entrant="dl-ganjingzi", category="institution")
    )
    board = await site.get(f"/contests/{key}", headers=person("sun.lihua"))
    assert board.status_code == 200
    text = board.text
    assert "2027年大连市“安康杯”竞赛" in text and "报名中" in text
    assert "大连轴承制造有限公司工会" in text and "92.00" in text  # names and self-scores
    assert "未达参评条件" in text  # the garment works' sections under 80%
    assert "尚未自评（1）" in text and "甘井子区总工会" in text  # the laggard
    assert "/files/notice.pdf" not in text  # nothing to download before the ranking
    english = await site.get(f"/contests/{key}?lang=en", headers=person("sun.lihua"))
    assert "Judging progress per judge" in english.text and "not admitted" in english.text
    listed = await site.get("/contests", headers=person("sun.lihua"))
    assert f'href="/contests/{key}"' in listed.text
    # Another person reads nothing of the round: missing to them, absent from their list.
    other = await site.get(f"/contests/{key}", headers=person("sun.hao"))
    assert other.status_code == 404
    assert (
        f'href="/contests/{key}"'
        not in (await site.get("/contests", headers=person("sun.hao"))).text
    )
    # An entrant's cadre reads the round without the board: their own entry only.
    own = await site.get(f"/contests/{key}", headers=person("wang.li"))
    assert own.status_code == 200 and "本单位参评" in own.text
    assert "大连华艺服装有限公司工会" not in own.text and "评审进度" not in own.text
    nobody = await site.get(f"/contests/{key}", headers={"accept": "text/html"})
    assert nobody.status_code == 401


async def test_the_entrants_cadre_self_assesses_once_and_a_refusal_writes_nothing(site, world):
    from tests.contest.test_contest_service import open_ankang

    key = open_ankang(world)
    world.contests.register(
        "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
    )
    url = f"/contests/{key}/entries/dl-bearing/self"
    page = await site.get(url, headers=person("wang.li"))
    assert page.status_code == 200 and "隐患排查治理" in page.text and "最低 24 分" in page.text
    before = world.events()
    bad = await site.post(
        url, headers=person("wang.li"), data=form(**{**marks_form(0.9), "mark.plan": "很多"})
    )
    assert bad.status_code == 422 and "不是数" in bad.text and world.events() == before
    over = await site.post(url, headers=person("wang.li"), data=form(**marks_form(0.9, plan=60)))
    assert over.status_code in (409, 422) and world.events() == before
    stranger = await site.post(url, headers=person("zhao.min"), data=form(**marks_form(0.9)))
    assert stranger.status_code == 404 and world.events() == before
    assert (await site.get(url, headers=person("zhao.min"))).status_code == 404
    organiser = await site.get(url, headers=person("sun.lihua"))
    assert organiser.status_code == 200 and f'action="{url}"' not in organiser.text
    fields = {"csrf_token": "t", "command_id": command_id(page.text, url), **marks_form(0.92)}
    done = await site.post(url, headers=person("wang.li"), data=fields)
    assert done.status_code == 303 and done.headers["location"] == f"{url}?done=self"
    after = world.events()
    again = await site.post(url, headers=person("wang.li"), data=fields)
    assert again.status_code == 303 and world.events() == after  # a double submit: once
    shown = await site.get(done.headers["location"], headers=person("wang.li"))
    assert 'role="status"' in shown.text and "92.00" in shown.text and "已入围" in shown.text


async def test_a_judge_scores_only_assigned_entries_once_and_never_a_conflicted_one(site, world):
    key = judging(world)
    world.contests.assign_pool("sun.lihua", key, POOL)
    bearing = world.contests.entry(f"{key}:dl-bearing")
    seed = world.contests.entry(f"{key}:dl-seed")
    # judge.bearing belongs to the bearing works: its entry is not on their list.
    mine = await site.get(f"/contests/{key}/judge", headers=person("judge.bearing"))
    assert mine.status_code == 200
    assert bearing.code not in mine.text and "大连轴承制造有限公司工会" not in mine.text
    assert seed.code in mine.text
    conflicted = await site.get(
        f"/contests/{key}/judge/{bearing.code}", headers=person("judge.bearing")
    )
    assert conflicted.status_code == 404
    before = world.events()
    refused = await site.post(
        f"/contests/{key}/judge/{bearing.code}",
        headers=person("judge.bearing"),
        data=form(**marks_form(0.9)),
    )
    assert refused.status_code == 404 and world.events() == before

    judge = bearing.judges[0]
    url = f"/contests/{key}/judge/{bearing.code}"
    page = await site.get(url, headers=person(judge))
    assert page.status_code == 200 and "大连轴承制造有限公司工会" in page.text  # not blind
    assert "组织领导" in page.text and "满分 15" in page.text
    short = await site.post(url, headers=person(judge), data=form(**{"mark.plan": "3"}))
    assert short.status_code == 422 and world.events() == before
    fields = {"csrf_token": "t", "command_id": command_id(page.text, url), **marks_form(0.9)}
    done = await site.post(url, headers=person(judge), data=fields)
    assert done.status_code == 303
    after = world.events()
    again = await site.post(url, headers=person(judge), data=fields)
    assert again.status_code == 303 and world.events() == after  # the same form: once
    second = await site.post(url, headers=person(judge), data=form(**marks_form(0.5)))
    assert second.status_code == 409 and "只能评分一次" in second.text and world.events() == after
    sheet = world.contests.sheet(bearing.key, judge)
    assert sheet is not None and sheet.status is SheetStatus.SUBMITTED
    shown = await site.get(done.headers["location"], headers=person(judge))
    assert "评分表已提交" in shown.text and f'action="{url}"' not in shown.text
    # The organiser's board counts the sheet.
    board = await site.get(f"/contests/{key}", headers=person("sun.lihua"))
    assert 'value="1"' in board.text and "评委1" in board.text


async def test_a_blind_judge_sees_codes_and_commits_before_revealing(site, world):
    c = OpenContestRound(
        round_key="blind-2027", title="匿名评审测试", definition="ankang-blind", stage="review",
        year=2027, registration_closes=date(2027, 4, 30),
    )  # fmt: skip
    key = world.contests.open_round("sun.lihua", c).key
    world.contests.register(
        "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
    )
    world.contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.92))
    world.contests.close_registration("sun.lihua", key)
    world.contests.start_judging("sun.lihua", key)
    world.contests.assign_pool("sun.lihua", key, POOL)
    e = world.contests.entry(f"{key}:dl-bearing")
    first, *others = e.judges
    listed = await site.get(f"/contests/{key}/judge", headers=person(first))
    assert e.code in listed.text and "大连轴承" not in listed.text  # the code, never the name
    url = f"/contests/{key}/judge/{e.code}"
    page = await site.get(url, headers=person(first))
    assert (
        'name="nonce"' in page.text
        and 'value="commit"' in page.text
        and "大连轴承" not in page.text
    )
    committed = await site.post(
        url, headers=person(first), data=form(act="commit", nonce="我的口令", **marks_form(0.9))
    )
    assert committed.status_code == 303
    sheet = world.contests.sheet(e.key, first)
    assert sheet is not None and sheet.status is SheetStatus.COMMITTED and sheet.marks == {}
    assert sheet.commitment == sheet_commitment(full(ANKANG, 0.9), "我的口令")
    before = world.events()
    early = await site.post(
        url, headers=person(first), data=form(act="reveal", nonce="我的口令", **marks_form(0.9))
    )
    assert early.status_code == 409 and world.events() == before  # others have not committed
    for j in others:
        world.contests.commit(j, e.key, sheet_commitment(full(ANKANG, 0.8), "x"))
    page = await site.get(url, headers=person(first))
    assert 'value="reveal"' in page.text
    before = world.events()
    wrong = await site.post(
        url, headers=person(first), data=form(act="reveal", nonce="我的口令", **marks_form(0.8))
    )
    assert wrong.status_code in (409, 422) and world.events() == before
    right = await site.post(
        url, headers=person(first), data=form(act="reveal", nonce="我的口令", **marks_form(0.9))
    )
    assert right.status_code == 303
    revealed = world.contests.sheet(e.key, first)
    assert revealed is not None and revealed.status is SheetStatus.SUBMITTED


async def test_the_ranking_its_vetoes_and_its_files(site, world):
    key = ranked(world)
    board = await site.get(f"/contests/{key}", headers=person("sun.lihua"))
    text = board.text
    assert (
        "竞赛年度内发生重伤及以上生产安全事故" in text
        and "SafetyRecord.AccidentRecorded v2" in text
    )
    r = world.contests.round(key)
    assert r.ranking is not None and r.ranking.inputs_hash in text
    for file in ("notice.pdf", "ranking.xlsx", "awards.xlsx", "sections.png"):
        assert f'href="/contests/{key}/files/{file}"' in text
    public = await site.get(f"/contests/{key}/ranking", headers=person("sun.hao"))
    assert public.status_code == 200 and "优胜企业" in public.text and "一票否决" in public.text
    assert "SafetyRecord" not in public.text  # the fact's record is the board's
    sheet = load_workbook(
        io.BytesIO(
            (
                await site.get(f"/contests/{key}/files/ranking.xlsx", headers=person("sun.hao"))
            ).content
        )
    ).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2][:3] == ["名次", "参评对象", "单位"]
    assert values[3][1] == "大连轴承制造有限公司工会" and values[3][3] == "98.00"
    assert r.ranking.inputs_hash in values[-1][0]
    awards = load_workbook(
        io.BytesIO(
            (
                await site.get(f"/contests/{key}/files/awards.xlsx", headers=person("sun.hao"))
            ).content
        )
    ).active
    assert [[c.value for c in row] for row in awards.iter_rows()][3][:3] == [
        "优胜企业",
        "1",
        "大连轴承制造有限公司工会",
    ]
    pdf = await site.get(f"/contests/{key}/files/notice.pdf", headers=person("sun.hao"))
    assert pdf.headers["x-inputs-hash"] == r.ranking.inputs_hash
    reader = PdfReader(io.BytesIO(pdf.content))
    flat = "".join(p.extract_text() for p in reader.pages).replace("\n", "")
    assert (
        "排名公示" in flat
        and "大连轴承制造有限公司工会" in flat
        and r.ranking.inputs_hash[:32] in flat
    )
    for p in reader.pages:
        for font in p["/Resources"]["/Font"].values():
            f = font.get_object()
            d = f.get("/DescendantFonts")
            descriptor = (d[0].get_object() if d else f)["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f
    png = await site.get(f"/contests/{key}/files/sections.png", headers=person("sun.hao"))
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.size[0] >= 600 and image.size[1] >= 400


def test_the_chart_draws_the_section_names_with_the_cjk_font(world):
    from application.contest_exports import contest_notice, sections_png

    key = ranked(world)
    found = contest_notice(world.contests, key)
    assert [name for name, _ in found.sections][:2] == ["组织领导", "安全生产管理"]
    assert all(values for _, values in found.sections)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = sections_png(found)
    assert "NotoSansCJK" in chart.font_file.replace("-", "").replace(" ", "")
    assert not [w for w in caught if "missing from" in str(w.message)]  # every glyph drawn
    assert Image.open(io.BytesIO(chart.png)).format == "PNG"


async def test_the_api_reads_a_round_and_a_judge_submits_a_sheet(site, world):
    key = judging(world)
    world.contests.assign_pool("sun.lihua", key, POOL)
    e = world.contests.entry(f"{key}:dl-bearing")
    got = await site.get(f"/api/v1/contests/{key}", headers=person("sun.lihua", API))
    assert got.status_code == 200 and got.json()["entries"] == 3 and "blind_salt" not in got.text
    assert (
        await site.get(f"/api/v1/contests/{key}", headers=person("sun.hao", API))
    ).status_code == 404
    none_yet = await site.get(f"/api/v1/contests/{key}/ranking", headers=person("sun.hao", API))
    assert none_yet.status_code == 404 and none_yet.headers["content-type"].startswith(
        "application/problem+json"
    )
    marks = {k: str(v) for k, v in full(ANKANG, 0.9).items()}
    body = {"code": e.code, "sheet": {"kind": "score", "marks": marks}, "command_id": "api-1"}
    before = world.events()
    refused = await site.post(
        f"/api/v1/contests/{key}/sheets", headers=person("judge.bearing", API), json=body
    )
    assert refused.status_code == 404 and world.events() == before
    judge = e.judges[0]
    rows = await site.get(f"/api/v1/contests/{key}/assigned", headers=person(judge, API))
    assert e.code in [x["code"] for x in rows.json()]
    sent = await site.post(f"/api/v1/contests/{key}/sheets", headers=person(judge, API), json=body)
    assert sent.status_code == 201 and sent.json()["status"] == "submitted"
    after = world.events()
    again = await site.post(f"/api/v1/contests/{key}/sheets", headers=person(judge, API), json=body)
    assert again.status_code == 201 and world.events() == after
    other = {**body, "command_id": "api-2"}
    twice = await site.post(
        f"/api/v1/contests/{key}/sheets", headers=person(judge, API), json=other
    )
    assert twice.status_code == 409 and twice.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert "只能评分一次" in twice.json()["detail"] or "只能评分一次" in twice.text


async def test_a_post_without_the_sessions_csrf_token_is_refused_and_writes_nothing(
    app, signed_in_client, world
):
    from tests.contest.test_contest_service import open_ankang

    key = open_ankang(world)
    world.contests.register(
        "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
    )
    wang = await signed_in_client("wang.li")
    before = world.events()
    del wang.headers["X-CSRF-Token"]
    forged = await wang.post(
        f"/contests/{key}/entries/dl-bearing/self",
        data={"command_id": "c1", **marks_form(0.92)},
        headers={"accept": "text/html"},
    )
    assert forged.status_code == 403 and "CSRF" in forged.text and world.events() == before


def test_the_cli_exports_the_ranking_as_each_file(world, settings, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from interfaces.cli import app as cli_app

    key = ranked(world)
    monkeypatch.setenv("UNIONFLOW_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("UNIONFLOW_TEMPORAL_ADDRESS", "127.0.0.1:9")
    hash_ = world.contests.round(key).ranking.inputs_hash
    for what, name in (
        ("ranking", "r.xlsx"),
        ("awards", "a.xlsx"),
        ("notice", "n.pdf"),
        ("chart", "c.png"),
    ):
        out = tmp_path / name
        done = CliRunner().invoke(
            cli_app, ["contest", "export", key, "--what", what, "--out", str(out)]
        )
        assert done.exit_code == 0, done.output
        assert hash_ in done.output.replace("\n", "") and out.stat().st_size > 1000
    wrong = CliRunner().invoke(
        cli_app, ["contest", "export", key, "--what", "chart", "--out", str(tmp_path / "c.pdf")]
    )
    assert wrong.exit_code == 2 and not (tmp_path / "c.pdf").exists()


async def test_inbox_items_of_a_contest_link_to_the_form_that_does_them(site, world):
    key = judging(world)
    world.contests.assign_pool("sun.lihua", key, POOL)
    bearing = world.contests.entry(f"{key}:dl-bearing")
    judge = bearing.judges[0]
    got = await site.get("/api/v1/inbox", headers=person(judge, {}))
    assert got.status_code == 200, got.text
    urls = {i["url"] for i in got.json()["items"] if i["process"] == "contest"}
    assert f"/contests/{key}/judge/{bearing.code}" in urls
    for url in urls:  # each opens for that judge
        assert (await site.get(url, headers=person(judge))).status_code == 200, url
    organiser = await site.get("/api/v1/inbox", headers=person("sun.lihua", {}))
    steps = [i["url"] for i in organiser.json()["items"] if i["process"] == "contest"]
    assert steps and set(steps) == {f"/contests/{key}"}


async def test_a_blind_judges_inbox_item_links_by_the_entrys_code(site, world):
    c = OpenContestRound(
        round_key="blind-inbox", title="匿名评审", definition="ankang-blind", stage="review",
        year=2027, registration_closes=date(2027, 4, 30),
    )  # fmt: skip
    key = world.contests.open_round("sun.lihua", c).key
    world.contests.register(
        "wang.li", key, Registration(entrant="dl-bearing", category="enterprise")
    )
    world.contests.self_assess("wang.li", f"{key}:dl-bearing", full(ANKANG, 0.92))
    world.contests.close_registration("sun.lihua", key)
    world.contests.start_judging("sun.lihua", key)
    world.contests.assign_pool("sun.lihua", key, POOL)
    e = world.contests.entry(f"{key}:dl-bearing")
    got = await site.get("/api/v1/inbox", headers=person(e.judges[0], {}))
    items = [i for i in got.json()["items"] if i["process"] == "contest"]
    assert [i["url"] for i in items] == [f"/contests/{key}/judge/{e.code}"]
    assert "dl-bearing" not in items[0]["key"] and "大连轴承" not in items[0]["title"]


async def test_a_units_self_assessment_item_links_to_its_form(site, world):
    from tests.contest.test_contest_service import open_ankang

    key = open_ankang(world)
    world.contests.register("he.jun", key, Registration(entrant="dl-seed", category="enterprise"))
    got = await site.get("/api/v1/inbox", headers=person("he.jun", {}))
    urls = [i["url"] for i in got.json()["items"] if i["process"] == "contest"]
    assert urls == [f"/contests/{key}/entries/dl-seed/self"]
    assert (await site.get(urls[0], headers=person("he.jun"))).status_code == 200
