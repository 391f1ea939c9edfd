"""The campaign's ledger-side use cases: opening once, units leaving and rejoining, the unit
cadre's reports and the district union's review, the reviewers' queues, and the paged steps
the workflow drives (periods, reminder pages, escalation, the final report, close)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from application.campaigns import CampaignLedger
from contracts.campaign import (
    CloseRequest,
    FinalReportRequest,
    OpenPeriodRequest,
    RecordRemindersRequest,
    RemindPageRequest,
)
from domain.actors import Role
from domain.campaign.values import Phase, ReportStatus
from domain.errors import InvalidInput, InvalidState, NotAuthorised, NotFound
from tests.campaign.campaign_support import (
    IN_H2,
    generated_units,
    meta,
    system,
    with_fake_progress,
    write_units,
)
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "campaign-units.csv"
DOUBLE = "double-contract-2026"  # one report indicator, evidence required, period 2026H2
WAGE = "wage-bargaining-2026"  # either: the wage-contract fact or an approved report


@pytest.fixture
def double(app):
    """The double-contract campaign with the example's 40 units, its period open."""
    campaigns, fake = with_fake_progress(app)
    campaigns.open(DOUBLE, "dl-city", meta(app, "sun.lihua"))
    campaigns.import_units(DOUBLE, EXAMPLE, meta(app, "sun.lihua"))
    campaigns.open_period(OpenPeriodRequest(campaign_key=DOUBLE, period="2026H2", meta=system()))
    return campaigns, fake


def _submit(app, campaigns, code="dl-bearing", actor="wang.li", evidence="合同扫描件.pdf"):
    return campaigns.submit(DOUBLE, code, indicator="double_contract", period="2026H2",
                            value=1, evidence=evidence, note="", meta=meta(app, actor, at=IN_H2))  # fmt: skip


# -- opening -------------------------------------------------------------------------------


def test_a_campaign_opens_from_a_shipped_definition_once(app):
    first = meta(app, "sun.lihua", command_id="open-1")
    view = app.campaigns.open(WAGE, "dl-city", first)
    assert view.phase is Phase.OPEN and view.title[0] == "工资集体协商集中行动"
    assert view.definition.targets[0].at_least == 0.80
    head = app.ledger.max_notification_id()
    again = app.campaigns.open(WAGE, "dl-city", first)  # the same command: applied once
    assert again == view and app.ledger.max_notification_id() == head
    with pytest.raises(InvalidState):
        app.campaigns.open(WAGE, "dl-city", meta(app, "sun.lihua"))
    assert [c.key for c in app.campaigns.campaigns()] == [WAGE]


def test_an_unknown_definition_or_another_unions_cadre_is_refused(app):
    with pytest.raises(NotFound):
        app.campaigns.open("no-such-campaign", "dl-city", meta(app, "sun.lihua"))
    with pytest.raises(NotAuthorised):
        app.campaigns.open(WAGE, "dl-city", meta(app, "wang.li"))
    assert app.campaigns.campaigns() == []


# -- membership ----------------------------------------------------------------------------


def test_a_unit_leaves_and_rejoins_and_its_membership_follows_the_dates(app, double):
    campaigns, _ = double
    left = campaigns.leave(DOUBLE, "dl-seed", date(2026, 8, 1), "企业停产", meta(app, "sun.lihua"))
    assert not left.member and left.left_reason == "企业停产"
    with pytest.raises(InvalidState):  # a unit that left does not report
        campaigns.submit(DOUBLE, "dl-seed", indicator="double_contract", period="2026H2",
                         value=1, evidence="x", note="", meta=meta(app, "he.jun", at=IN_H2))  # fmt: skip
    back = campaigns.rejoin(DOUBLE, "dl-seed", date(2026, 9, 1), meta(app, "sun.lihua"))
    assert back.member and not back.member_on(date(2026, 8, 15))
    assert back.member_on(date(2026, 7, 15)) and back.member_on(date(2026, 9, 1))
    with pytest.raises(NotAuthorised):
        campaigns.leave(DOUBLE, "dl-seed", date(2026, 10, 1), "x", meta(app, "he.jun"))
    with pytest.raises(InvalidInput):
        campaigns.leave(DOUBLE, "dl-seed", date(2026, 10, 1), "  ", meta(app, "sun.lihua"))


# -- reports and their review ------------------------------------------------------------


def test_only_a_cadre_of_the_unit_reports_and_a_refusal_changes_nothing(app, double):
    campaigns, _ = double
    before = campaigns.unit(DOUBLE, "dl-bearing")
    with pytest.raises(NotAuthorised):
        _submit(app, campaigns, actor="zhao.min")  # a cadre of another unit
    with pytest.raises(InvalidInput):
        _submit(app, campaigns, evidence=" ")  # the definition requires evidence
    with pytest.raises(NotFound):
        _submit(app, campaigns, code="dl-nowhere")
    assert campaigns.unit(DOUBLE, "dl-bearing") == before
    done = _submit(app, campaigns)
    report = done.report("2026H2", "double_contract")
    assert report is not None and report.status is ReportStatus.PENDING
    assert report.evidence == "合同扫描件.pdf" and report.submitted_by == "wang.li"
    with pytest.raises(InvalidState):  # one pending report at a time
        _submit(app, campaigns)


def test_a_report_before_its_period_opens_is_refused(app):
    campaigns, _ = with_fake_progress(app)
    campaigns.open(DOUBLE, "dl-city", meta(app, "sun.lihua"))
    campaigns.import_units(DOUBLE, EXAMPLE, meta(app, "sun.lihua"))
    with pytest.raises(InvalidState, match="尚未开始"):
        _submit(app, campaigns)


def test_the_district_union_approves_or_returns_and_the_cadre_withdraws(app, double):
    campaigns, _ = double
    _submit(app, campaigns)
    _submit(app, campaigns, code="dl-garment", actor="zhao.min")
    review = dict(indicator="double_contract", period="2026H2")
    with pytest.raises(NotAuthorised):  # dl-bearing is reviewed by dl-ganjingzi
        campaigns.approve(DOUBLE, "dl-bearing", **review, meta=meta(app, "li.wei", Role.REVIEWER))
    with pytest.raises(NotAuthorised):  # never by the unit itself
        campaigns.approve(DOUBLE, "dl-bearing", **review, meta=meta(app, "wang.li"))
    ok = campaigns.approve(DOUBLE, "dl-bearing", **review,
                           meta=meta(app, "chen.jing", Role.REVIEWER))  # fmt: skip
    assert ok.report("2026H2", "double_contract").status is ReportStatus.APPROVED
    with pytest.raises(InvalidInput):  # a return needs its reasons
        campaigns.return_report(DOUBLE, "dl-garment", **review, reasons=" ",
                                meta=meta(app, "li.wei", Role.REVIEWER))  # fmt: skip
    back = campaigns.return_report(DOUBLE, "dl-garment", **review, reasons="缺集体合同文本",
                                   meta=meta(app, "li.wei", Role.REVIEWER))  # fmt: skip
    r = back.report("2026H2", "double_contract")
    assert r.status is ReportStatus.RETURNED and r.reasons == "缺集体合同文本"
    gone = campaigns.withdraw(DOUBLE, "dl-bearing", **review, reason="数据有误",
                              meta=meta(app, "wang.li"))  # fmt: skip
    assert gone.report("2026H2", "double_contract").status is ReportStatus.WITHDRAWN
    with pytest.raises(InvalidState):
        campaigns.withdraw(DOUBLE, "dl-garment", **review, reason="x", meta=meta(app, "zhao.min"))


def test_each_district_union_sees_its_own_pending_reports(app, double):
    campaigns, _ = double
    _submit(app, campaigns)
    _submit(app, campaigns, code="dl-garment", actor="zhao.min")
    _submit(app, campaigns, code="dl-seed", actor="he.jun")
    ganjingzi = campaigns.pending_reviews("dl-ganjingzi")
    assert [(p.code, p.name) for p in ganjingzi] == [("dl-bearing", "大连轴承制造有限公司")]
    assert ganjingzi[0].indicator_label[0] == "签订劳动合同和集体合同"
    assert [p.code for p in campaigns.pending_reviews("dl-city")] == ["dl-garment", "dl-seed"]
    campaigns.approve(DOUBLE, "dl-bearing", indicator="double_contract", period="2026H2",
                      meta=meta(app, "chen.jing", Role.REVIEWER))  # fmt: skip
    assert campaigns.pending_reviews("dl-ganjingzi") == []
    assert campaigns.pending_reviews("dl-textile") == []


# -- periods and reminders ---------------------------------------------------------------


def test_a_period_opens_once_and_an_unknown_one_is_refused(app, double):
    campaigns, _ = double
    head = app.ledger.max_notification_id()
    again = campaigns.open_period(
        OpenPeriodRequest(campaign_key=DOUBLE, period="2026H2", meta=system())
    )
    assert again.periods_opened == ["2026H2"] and app.ledger.max_notification_id() == head
    with pytest.raises(InvalidState):  # a person opening it again is told so
        campaigns.open_period(OpenPeriodRequest(campaign_key=DOUBLE, period="2026H2",
                                                meta=meta(app, "sun.lihua")))  # fmt: skip
    with pytest.raises(InvalidInput):
        campaigns.open_period(
            OpenPeriodRequest(campaign_key=DOUBLE, period="2031Q9", meta=system())
        )


def _page(round_: int, after: str = "", limit: int = 500, now: datetime = IN_H2):
    return RemindPageRequest(campaign_key=DOUBLE, period="2026H2", round=round_, now=now,
                             after=after, limit=limit)  # fmt: skip


def _laggards(app, double) -> int:
    """Units in the population (unionised) that have not reported, after dl-bearing did."""
    campaigns, _ = double
    return sum(1 for u in campaigns.units(DOUBLE) if u.unionised) - 1


def test_remind_pages_walk_the_codes_and_remind_only_laggards_once_per_round(app, double):
    campaigns, _ = double
    _submit(app, campaigns)  # pending: reported, not lagging
    codes = [u.code for u in campaigns.units(DOUBLE)]
    assert len(codes) == 40
    seen, after, pages, reminded = [], "", [], 0
    while True:
        got = campaigns.remind_page(_page(1, after, limit=10), system())
        pages.append(got)
        reminded += got.reminded
        seen.append(got.last)
        after = got.last
        if not got.more:
            break
    # 40 units, 10 a page: four pages, the last says no more; "last" is each page's end.
    assert len(pages) == 4 and [p.more for p in pages] == [True, True, True, False]
    assert seen == [codes[9], codes[19], codes[29], codes[39]]
    assert reminded == _laggards(app, double)
    bearing = campaigns.unit(DOUBLE, "dl-bearing")
    assert bearing.reminders == {}  # it reported
    outside = next(u for u in campaigns.units(DOUBLE) if not u.unionised)
    assert outside.reminders == {}  # not in the population
    assert campaigns.unit(DOUBLE, "dl-seed").reminders == {"2026H2": 1}
    # At the boundary: a page holding exactly the rest says no more; one short of it, more.
    exact = campaigns.remind_page(_page(1, codes[9], limit=30), system())
    assert (exact.last, exact.more, exact.reminded) == (
        codes[39],
        False,
        reminded - pages[0].reminded,
    )
    short = campaigns.remind_page(_page(1, codes[9], limit=29), system())
    assert (short.last, short.more) == (codes[38], True)
    # A page past the end scans nothing and says so.
    end = campaigns.remind_page(_page(1, codes[-1]), system())
    assert (end.reminded, end.last, end.more) == (0, codes[-1], False)


def test_a_retried_page_reminds_nobody_twice_and_reports_the_same_counts(app, double):
    campaigns, _ = double
    first = campaigns.remind_page(_page(1, limit=15), system())
    head = app.ledger.max_notification_id()
    retried = campaigns.remind_page(_page(1, limit=15), system())
    assert retried == first and app.ledger.max_notification_id() == head
    # The same round with a bigger page reminds only the units not reminded yet.
    wider = campaigns.remind_page(_page(1, limit=40), system())
    assert wider.reminded == _laggards(app, double) + 1  # nobody reported this time
    assert all(u.reminders.get("2026H2", 0) <= 1 for u in campaigns.units(DOUBLE))


def test_a_unit_reminded_escalate_after_times_is_escalated_once(app, double):
    campaigns, _ = double
    escalated = []
    for n in (1, 2, 3, 4):
        got = campaigns.remind_page(_page(n, now=IN_H2 + timedelta(days=7 * n)), system())
        escalated.append(got.escalated)
        campaigns.record_reminders(RecordRemindersRequest(
            campaign_key=DOUBLE, period="2026H2", round=n, reminded=got.reminded,
            escalated=got.escalated, on=date(2026, 7, 6), meta=system(command_id=f"r{n}")))  # fmt: skip
    lagging = _laggards(app, double) + 1
    assert escalated == [0, 0, lagging, 0]  # escalate_after is 3
    seed = campaigns.unit(DOUBLE, "dl-seed")
    assert seed.reminders == {"2026H2": 4} and seed.escalated == {"2026H2": "dl-city"}
    assert campaigns.unit(DOUBLE, "dl-bearing").escalated == {"2026H2": "dl-ganjingzi"}
    assert campaigns.view(DOUBLE).reminder_rounds == {"2026H2": 4}


def test_reminders_wait_for_the_period_and_come_from_the_engine(app):
    campaigns, _ = with_fake_progress(app)
    campaigns.open(DOUBLE, "dl-city", meta(app, "sun.lihua"))
    campaigns.import_units(DOUBLE, EXAMPLE, meta(app, "sun.lihua"))
    with pytest.raises(InvalidState):
        campaigns.remind_page(_page(1), system())
    campaigns.open_period(OpenPeriodRequest(campaign_key=DOUBLE, period="2026H2", meta=system()))
    with pytest.raises(NotAuthorised):
        campaigns.remind_page(_page(1), meta(app, "sun.lihua"))
    assert all(u.reminders == {} for u in campaigns.units(DOUBLE))


def test_a_fact_that_holds_is_not_a_laggard(app):
    campaigns, fake = with_fake_progress(app)
    campaigns.open(WAGE, "dl-city", meta(app, "sun.lihua"))
    campaigns.import_units(WAGE, EXAMPLE, meta(app, "sun.lihua"))
    campaigns.open_period(OpenPeriodRequest(campaign_key=WAGE, period="2026H2", meta=system()))
    fake.facts.add(("dl-bearing", "wage_contract"))
    req = RemindPageRequest(campaign_key=WAGE, period="2026H2", round=1, now=IN_H2)
    campaigns.remind_page(req, system())
    assert campaigns.unit(WAGE, "dl-bearing").reminders == {}
    assert campaigns.unit(WAGE, "dl-garment").reminders == {"2026H2": 1}


def test_reminder_rounds_are_recorded_once_in_order(app, double):
    campaigns, _ = double

    def record(n: int, cid: str) -> int:
        return campaigns.record_reminders(RecordRemindersRequest(
            campaign_key=DOUBLE, period="2026H2", round=n, reminded=3, escalated=0,
            on=date(2026, 7, 6), meta=system(command_id=cid)))  # fmt: skip

    assert record(1, "a") == 1
    head = app.ledger.max_notification_id()
    assert record(1, "a") == 1 and record(1, "b") == 1  # retried: recorded once
    assert app.ledger.max_notification_id() == head
    with pytest.raises(InvalidInput):
        record(3, "c")
    assert campaigns.view(DOUBLE).reminder_rounds == {"2026H2": 1}


# -- the end -------------------------------------------------------------------------------


def test_the_final_report_rests_on_a_deterministic_hash_of_its_inputs(app, double, tmp_path: Path):
    campaigns, fake = double
    _submit(app, campaigns)
    campaigns.approve(DOUBLE, "dl-bearing", indicator="double_contract", period="2026H2",
                      meta=meta(app, "chen.jing", Role.REVIEWER))  # fmt: skip
    view = campaigns.view(DOUBLE)
    rows = fake.rows(DOUBLE, date(2026, 12, 31))
    body = campaigns.report_on(view.definition, rows, date(2026, 12, 31))
    assert body == campaigns.report_on(view.definition, list(reversed(rows)), date(2026, 12, 31))
    other = campaigns.report_on(view.definition, rows[1:], date(2026, 12, 31))
    assert other["inputs_hash"] != body["inputs_hash"]
    req = FinalReportRequest(campaign_key=DOUBLE, at=date(2026, 12, 31),
                             meta=system(at=datetime(2026, 12, 31, 2, tzinfo=UTC)))  # fmt: skip
    result = campaigns.final_report(req)
    assert result.inputs_hash == body["inputs_hash"] and (result.targets, result.met) == (1, 0)
    recorded = campaigns.view(DOUBLE).final_report
    assert recorded["targets"][0]["numerator"] == 1
    assert recorded["targets"][0]["denominator"] == sum(
        1 for u in campaigns.units(DOUBLE) if u.unionised
    )
    assert campaigns.final_report(req) == result  # once
    with pytest.raises(InvalidState):  # the campaign's reporting is over
        _submit(app, campaigns, code="dl-garment", actor="zhao.min")
    closed = campaigns.close(CloseRequest(campaign_key=DOUBLE, meta=system()))
    assert closed.phase is Phase.CLOSED


def test_close_waits_for_the_final_report_and_no_progress_means_no_report(app):
    app.campaigns.open(DOUBLE, "dl-city", meta(app, "sun.lihua"))
    with pytest.raises(InvalidState):
        app.campaigns.close(CloseRequest(campaign_key=DOUBLE, meta=system()))
    blind = CampaignLedger(app.ledger, app.directory, app.campaigns.definitions, None, app.settings)
    with pytest.raises(InvalidState):
        blind.final_report(FinalReportRequest(campaign_key=DOUBLE, at=date(2026, 12, 31),
                                              meta=system()))  # fmt: skip
    assert app.campaigns.view(DOUBLE).phase is Phase.OPEN


def test_the_apps_campaigns_report_on_the_live_progress_read_model(app):
    """App.campaigns runs on App.campaign_progress: the final report's figures are the
    progress report's on that day, and an approved report is no laggard."""
    campaigns = app.campaigns
    assert campaigns.progress is app.campaign_progress
    campaigns.open(DOUBLE, "dl-city", meta(app, "sun.lihua"))
    campaigns.import_units(DOUBLE, EXAMPLE, meta(app, "sun.lihua"))
    campaigns.open_period(OpenPeriodRequest(campaign_key=DOUBLE, period="2026H2", meta=system()))
    _submit(app, campaigns)
    campaigns.approve(DOUBLE, "dl-bearing", indicator="double_contract", period="2026H2",
                      meta=meta(app, "chen.jing", Role.REVIEWER, at=IN_H2))  # fmt: skip
    got = campaigns.remind_page(_page(1), system())
    assert got.reminded == _laggards(app, (campaigns, None))
    assert campaigns.unit(DOUBLE, "dl-bearing").reminders == {}
    day = date(2026, 12, 31)
    live = app.campaign_progress.report(DOUBLE, on=day).targets[0].total
    result = campaigns.final_report(FinalReportRequest(
        campaign_key=DOUBLE, at=day, meta=system(at=datetime(2026, 12, 31, 2, tzinfo=UTC))))  # fmt: skip
    recorded = campaigns.view(DOUBLE).final_report["targets"][0]
    assert (recorded["numerator"], recorded["denominator"]) == (live.numerator, live.denominator)
    expected = campaigns.report_on(campaigns.view(DOUBLE).definition,
                                   app.campaign_progress.rows(DOUBLE, day), day)  # fmt: skip
    assert result.inputs_hash == expected["inputs_hash"]


def test_two_hundred_units_import_and_page(app, tmp_path: Path):
    campaigns, _ = with_fake_progress(app)
    campaigns.open(DOUBLE, "dl-city", meta(app, "sun.lihua"))
    path = write_units(tmp_path / "units.csv", generated_units(200))
    assert campaigns.import_units(DOUBLE, path, meta(app, "sun.lihua")).joined == 200
    campaigns.open_period(OpenPeriodRequest(campaign_key=DOUBLE, period="2026H2", meta=system()))
    got = campaigns.remind_page(_page(1, limit=200), system())
    assert (got.reminded, got.more, got.last) == (200, False, "u00200")


def test_a_unit_that_reports_while_its_page_is_reminded_is_not_reminded(app, double, monkeypatch):
    """The page was read before dl-seed's cadre reported: its save fails whole, and the page
    is done again unit by unit on fresh records."""
    campaigns, _ = double
    real_save = app.ledger.save
    raced = []

    def save(*aggregates, **kwargs):
        if len(aggregates) > 1 and not raced:
            raced.append(True)
            campaigns.submit(DOUBLE, "dl-seed", indicator="double_contract", period="2026H2",
                             value=1, evidence="合同.pdf", note="",
                             meta=meta(app, "he.jun", at=IN_H2))  # fmt: skip
        return real_save(*aggregates, **kwargs)

    monkeypatch.setattr(app.ledger, "save", save)
    got = campaigns.remind_page(_page(1), system())
    assert raced
    assert got.reminded == _laggards(app, double)  # everyone lagging but dl-seed
    seed = campaigns.unit(DOUBLE, "dl-seed")
    assert seed.reminders == {} and seed.report("2026H2", "double_contract") is not None
    assert campaigns.unit(DOUBLE, "dl-garment").reminders == {"2026H2": 1}
    again = campaigns.remind_page(_page(1), system())
    assert again == got


def test_a_view_handed_out_never_changes_under_its_reader(app, double):
    campaigns, _ = double
    held = next(u for u in campaigns.units(DOUBLE) if u.code == "dl-bearing")
    _submit(app, campaigns)
    fresh = next(u for u in campaigns.units(DOUBLE) if u.code == "dl-bearing")  # folded now
    assert fresh.report("2026H2", "double_contract") is not None and fresh.version == 2
    assert held.reports == {} and held.version == 1
