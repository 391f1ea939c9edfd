"""A selection round through the application layer, on a real ledger (no Temporal): the
unit's steps, two reviews with their notices on the statutory calendar, clearances from
the directory's departments, objections, the daily sweep, and refusals that write
nothing. The committee's poll and the workflow's timers are in ``tests/award/workflow``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from application.award_facts import AwardFacts
from application.awards import AwardService
from bootstrap import App, build_app
from domain.actors import CHINA_TZ
from domain.award import NominationStage, Nominee
from domain.award.commands import (
    FileObjection,
    GiveClearance,
    OpenRound,
    PostUnitNotice,
    RecordCongressApproval,
    RecordJointAgreement,
    ResolveObjection,
    ReviewNomination,
    StartRoundNotice,
    Submit,
)
from domain.award.permissions import ApprovalPoll
from domain.errors import DomainError, InvalidState, NotAuthorised
from settings import Settings
from tests.conftest import EXAMPLE_DIRECTORY

DEPARTMENTS = {"emergency": "emergency.dept", "market": "market.dept"}
START = datetime(2027, 3, 1, 9, tzinfo=CHINA_TZ)  # a Monday


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)

    def day(self) -> date:
        return self.now.date()

    def to(self, day: date) -> None:
        self.now = datetime.combine(day, time(9), CHINA_TZ)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[App, AwardService, Clock]]:
    app = build_app(Settings(data_dir=tmp_path / "var"))
    app.directory.load(app.directory.parse(EXAMPLE_DIRECTORY), operator="ops.admin")
    clock = Clock()
    facts = AwardFacts(app.ledger, app.congresses, app.polls, app.settings)
    service = AwardService(
        app.ledger, app.directory, app.calendar, facts, app.settings, clock=clock
    )
    yield app, service, clock
    app.close()


def team(n: int, category: str = "team") -> Nominee:
    return Nominee(
        person=f"T{n:03d}",
        name=f"装配{n}班",
        unit_org="dl-bearing",
        sub_union="dl-ganjingzi",
        post="班组",
        category=category,
        deeds="连续三年零事故",
    )


def open_round(service: AwardService, close: date = date(2027, 4, 30)) -> str:
    c = OpenRound(
        round_key=f"pioneer-{close.year}",
        title=f"{close.year}年大连市工人先锋号评选",
        definition="workers-pioneer",
        nominations_close=close,
        departments=DEPARTMENTS,
    )
    return service.open_round("sun.lihua", c).key


def through_unit(service: AwardService, clock: Clock, key: str) -> None:
    poll = ApprovalPoll(poll="dl-bearing-6:2027-1:item2", exists=True, unit_org="dl-bearing",
                        tallied=True, passed=True, summary="赞成 25（应到 29）")  # fmt: skip
    service.facts.approval_poll = lambda _key: poll  # type: ignore[method-assign]
    service.act("wang.li", key, RecordJointAgreement(record="3月1日党政工联席会议纪要"))
    service.act("wang.li", key, RecordCongressApproval(poll=poll.poll))
    service.act("wang.li", key, PostUnitNotice(starts=clock.day()))


def test_notices_count_working_days_and_the_sweep_closes_them(world):
    _app, service, clock = world
    rk = open_round(service)
    key = service.nominate("wang.li", rk, team(1)).key
    through_unit(service, clock, key)
    notice = service.nomination(key).notices[0]
    assert (notice.starts, notice.ends) == (date(2027, 3, 1), date(2027, 3, 5))  # Mon–Fri
    clock.to(date(2027, 3, 5))
    assert service.sweep(rk, clock())[0].notices_closed == 0  # the last day still runs
    clock.to(date(2027, 3, 8))
    done, last = service.sweep(rk, clock())
    assert done.notices_closed == 1 and last == key
    service.act("wang.li", key, Submit())
    assert service.nomination(key).stage is NominationStage.SUBMITTED
    board = service.dashboard(rk)
    assert next((p.sub_union, p.used) for p in board.places) == ("dl-ganjingzi", 1)


def test_a_notice_spanning_a_holiday_ends_later_and_an_objection_keeps_it_open(world):
    _app, service, clock = world
    clock.to(date(2026, 9, 30))  # National Day: 1–7 October 2026 are holidays
    rk = open_round(service, date(2026, 12, 31))
    key = service.nominate("wang.li", rk, team(2)).key
    through_unit(service, clock, key)
    notice = service.nomination(key).notices[0]
    # Five working days: 9-30, 10-8, 10-9, 10-10 (a Saturday worked in lieu), 10-12.
    assert (notice.starts, notice.ends) == (date(2026, 9, 30), date(2026, 10, 12))
    service.act("liu.qiang", key, FileObjection(substance="该班组有违章记录", anonymous=True))
    clock.to(notice.ends + timedelta(days=3))
    assert service.sweep(rk, clock())[0].notices_closed == 0  # an open objection keeps it
    with pytest.raises(NotAuthorised):
        service.act("li.wei", key, ResolveObjection(no=1, upheld=False, findings="不属实"))
    service.act("chen.jing", key, ResolveObjection(no=1, upheld=False, findings="经核查记录已整改"))
    assert service.sweep(rk, clock())[0].notices_closed == 1


def test_refusals_write_nothing(world):
    app, service, clock = world
    rk = open_round(service)
    key = service.nominate("wang.li", rk, team(3)).key
    before = app.ledger.max_notification_id()
    for actor, command in (
        ("zhao.min", RecordJointAgreement(record="x")),  # a cadre of another unit
        ("wang.li", PostUnitNotice(starts=clock.day())),  # before the agreement and the vote
        ("wang.li", Submit()),
        ("chen.jing", ReviewNomination(kind="first_review", passed=True, opinion="同意")),
    ):
        with pytest.raises(DomainError):
            service.act(actor, key, command)
    assert app.ledger.max_notification_id() == before


def test_the_round_from_first_review_to_the_federation_notice(world):
    _app, service, clock = world
    rk = open_round(service)
    keys = []
    for n, category in ((1, "team"), (2, "team"), (3, "section")):
        clock.to(date(2027, 3, 1))
        key = service.nominate("wang.li", rk, team(n, category)).key
        through_unit(service, clock, key)
        keys.append(key)
    clock.to(date(2027, 3, 8))
    service.sweep(rk, clock())
    for key in keys[:2]:
        service.act("wang.li", key, Submit())
    with pytest.raises(InvalidState, match="名额"):  # dl-ganjingzi has 2 places
        service.act("wang.li", keys[2], Submit())
    for key in keys[:2]:
        service.act(
            "chen.jing", key, ReviewNomination(kind="first_review", passed=True, opinion="同意")
        )
    clock.to(date(2027, 3, 15))
    assert service.sweep(rk, clock())[0].notices_closed == 2
    view = service.nomination(keys[0])
    assert view.stage is NominationStage.CLEARANCES and {
        c.department for c in view.clearances
    } == set(DEPARTMENTS.values())
    for key in keys[:2]:
        for k, dept in DEPARTMENTS.items():
            service.act(dept, key, GiveClearance(key=k, clear=True))
        service.act(
            "li.wei", key, ReviewNomination(kind="second_review", passed=True, opinion="同意")
        )
    clock.to(date(2027, 5, 6))
    from domain.award.commands import CloseNominations

    service.system_round_step(rk, CloseNominations(), "close", clock())
    r = service.round_act("sun.lihua", rk, StartRoundNotice(starts=clock.day()))
    assert r.notice is not None and len(r.notice.list_hash) == 64
    entered, _, more = service.enter_notice(rk, clock())
    assert entered == 2 and not more
    assert all(service.nomination(k).stage is NominationStage.FEDERATION_NOTICE for k in keys[:2])


def test_the_notice_list_exports_as_xlsx_and_pdf_a_with_its_committed_hash(world, tmp_path):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from application.award_exports import as_pdf, as_xlsx, award_list
    from domain.award import checks

    _app, service, clock = world
    rk = open_round(service)
    keys = []
    for n in (1, 2):
        clock.to(date(2027, 3, 1))
        key = service.nominate("wang.li", rk, team(n)).key
        through_unit(service, clock, key)
        keys.append(key)
    clock.to(date(2027, 3, 8))
    service.sweep(rk, clock())
    for key in keys:
        service.act("wang.li", key, Submit())
        service.act(
            "chen.jing", key, ReviewNomination(kind="first_review", passed=True, opinion="同意")
        )
    clock.to(date(2027, 3, 15))
    service.sweep(rk, clock())
    for key in keys:
        for k, dept in DEPARTMENTS.items():
            service.act(dept, key, GiveClearance(key=k, clear=True))
        service.act(
            "li.wei", key, ReviewNomination(kind="second_review", passed=True, opinion="同意")
        )
    clock.to(date(2027, 5, 6))
    from domain.award.commands import CloseNominations

    service.system_round_step(rk, CloseNominations(), "close", clock())
    r = service.round_act("sun.lihua", rk, StartRoundNotice(starts=clock.day()))
    found = award_list(service, rk, "notice")
    assert found.matches and found.committed_hash == r.notice.list_hash
    assert [row["name"] for row in found.rows] == ["装配1班", "装配2班"]
    assert found.rows[0]["unit"] == "大连轴承制造有限公司工会"  # names, not codes
    edited = [dict(found.rows[0], deeds="改过的事迹"), found.rows[1]]
    assert checks.list_hash(edited) != found.committed_hash  # any edit shows

    sheet = load_workbook(io.BytesIO(as_xlsx(found))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2][:3] == ["序号", "姓名（名称）", "性别"]
    assert [v[1] for v in values[3:5]] == ["装配1班", "装配2班"]
    assert found.committed_hash in values[-1][0]

    pdf = PdfReader(io.BytesIO(as_pdf(found)))
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    assert "公示名单" in text and "装配1班" in text and found.committed_hash[:32] in text
    xmp = pdf.xmp_metadata
    assert xmp is not None and (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("3", "B")  # PDF/A-3b
    for page in pdf.pages:
        for font in page["/Resources"]["/Font"].values():
            f = font.get_object()
            d = f.get("/DescendantFonts")
            descriptor = (d[0].get_object() if d else f)["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f
