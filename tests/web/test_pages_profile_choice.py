"""The rule profile a start form chooses (``--profile`` of ``wage open``, ``wage
offer-request``, ``congress create``): the loaded profiles are offered by their Chinese
titles with the one in force preselected; an unknown or broken profile is refused (422,
with the reason) and nothing starts; the chosen profile is the one the record keeps, its
rules apply, and the record's page shows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.service import RPCError

from bootstrap import App
from domain.congress import congress_id
from domain.wage_contract import wage_contract_id
from domain.wage_contract.offer_request import offer_request_id
from settings import Settings
from tests.wage_contract.helpers import CADRE, no_workflow_left_open
from tests.web.pages_support import UNREACHABLE, form, person, web_client, web_reader
from workflows.wage_contract import workflow_id_for

__all__ = ["no_workflow_left_open", "web_client", "web_reader"]

# A city profile of the operator's (UNIONFLOW_PROFILE_DIR): half the employees must ask.
STRICT = """\
name: strict_city
title: Strict City (严格市)
extends: national
wage_contract:
  offer_request_fraction: {num: 1, den: 2, strict: false}
"""
# A profile file that does not validate (a quorum is a fraction, not a number).
BROKEN = """\
name: broken_city
title: Broken City (错误市)
extends: national
congress:
  quorum: 7
"""


@pytest.fixture(name="settings")
def profile_settings(tmp_path: Path, task_queue: str) -> Settings:
    """The web tests' settings with a profile directory holding one good and one broken
    profile beside the shipped national and liaoning ones."""
    extra = tmp_path / "profiles"
    extra.mkdir()
    (extra / "strict_city.yaml").write_text(STRICT, encoding="utf-8")
    (extra / "broken_city.yaml").write_text(BROKEN, encoding="utf-8")
    return Settings(
        data_dir=tmp_path / "var",
        rule_profile="liaoning",
        profile_dir=extra,
        activity_timeout_seconds=10,
        task_queue=task_queue,
        temporal_address=UNREACHABLE,
    )


def _options(html: str) -> list[str]:
    select = html.split('<select id="profile" name="profile"', 1)[1].split("</select>", 1)[0]
    return [part.split('"', 1)[0] for part in select.split('<option value="')[1:]]


START_FORMS = ("/cases/new", "/cases/offer-request", "/congresses/new")


async def test_each_start_form_offers_the_loaded_profiles_the_one_in_force_preselected(reader):
    for url in START_FORMS:
        page = await reader.get(url, headers=person(CADRE))
        assert page.status_code == 200, url
        assert _options(page.text) == ["liaoning", "national", "strict_city"], url
        assert '<option value="liaoning" selected>' in page.text, url
        assert page.text.count(" selected>") == 1, url
        assert "辽宁省 · liaoning" in page.text and "全国默认 · national" in page.text, url
        assert "严格市 · strict_city" in page.text, url
        assert "broken_city" not in page.text, url  # it does not load: not offered
        english = await reader.get(f"{url}?lang=en", headers=person(CADRE))
        assert "Liaoning Province · liaoning" in english.text, url
        assert "National default · national" in english.text, url
    request = await reader.get("/cases/offer-request", headers=person(CADRE))
    assert "（要约要求比例 1/2）" in request.text and "（要约要求比例 1/5）" in request.text


def _term(**fields: str) -> dict[str, str]:
    term = {"unit": "dl-bearing", "term_no": "6", "start": "2026-01-01", "years": "5"}
    return form(**{**term, **fields})


async def test_a_term_is_set_up_under_the_chosen_profile_and_an_unknown_one_sets_up_nothing(
    reader, app: App
):
    for name, reason in (("atlantis", "没有规则配置“atlantis”"), ("broken_city", "无效")):
        refused = await reader.post("/congresses", data=_term(profile=name), headers=person(CADRE))
        assert refused.status_code == 422 and reason in refused.text, refused.text
        assert "未记录任何内容" in refused.text
        assert "2026-01-01" in refused.text  # what was typed stays in the form
    english = await reader.post(
        "/congresses?lang=en", data=_term(profile="atlantis"), headers=person(CADRE)
    )
    assert english.status_code == 422 and "no rule profile &#39;atlantis&#39;" in english.text
    assert not app.ledger.exists(congress_id("dl-bearing-6"))

    term = _term(profile="national")
    created = await reader.post("/congresses", data=term, headers=person(CADRE))
    assert created.status_code == 303, created.text
    again = await reader.post("/congresses", data=term, headers=person(CADRE))
    assert again.headers["location"] == created.headers["location"]  # the same form: once
    view = app.congresses.view("dl-bearing-6")
    assert (
        view.profile_name == "national" and app.ledger.get(congress_id("dl-bearing-6")).version == 1
    )
    assert view.profile_fingerprint == app.profiles.load("national").fingerprint()
    page = await reader.get("/congresses/dl-bearing-6", headers=person(CADRE))
    assert "全国默认 · national" in page.text and view.profile_fingerprint[:12] in page.text
    convene = await reader.get("/congresses/dl-bearing-6/convene", headers=person(CADRE))
    assert "全国默认 · national" in convene.text  # the session follows the term's profile

    # A blank choice (a client posting without the select) is the profile in force.
    blank = await reader.post(
        "/congresses", data=_term(term_no="7", start="2031-01-01", profile=""),
        headers=person(CADRE),
    )  # fmt: skip
    assert blank.status_code == 303, blank.text
    assert app.congresses.view("dl-bearing-7").profile_name == "liaoning"


def _request(**fields: str) -> dict[str, str]:
    return form(**{"year": "2026", "employees": "100", "signatures": "30", **fields})


async def test_an_offer_request_meets_the_chosen_profiles_fraction(reader, app: App):
    recorded_id = offer_request_id("dl-bearing", 2026)
    unknown = await reader.post(
        "/cases/offer-request", data=_request(profile="atlantis"), headers=person(CADRE)
    )
    assert unknown.status_code == 422 and "没有规则配置“atlantis”" in unknown.text
    # 30 of 100 reach liaoning's 1/5 but not strict_city's 1/2.
    strict = await reader.post(
        "/cases/offer-request", data=_request(profile="strict_city"), headers=person(CADRE)
    )
    assert strict.status_code == 422 and "未达到1/2" in strict.text
    assert not app.ledger.exists(recorded_id)

    chosen = _request(profile="strict_city", signatures="50")
    done = await reader.post("/cases/offer-request", data=chosen, headers=person(CADRE))
    assert done.status_code == 303 and done.headers["location"] == "/cases/offer-request?done=2026"
    [created] = app.ledger.stream(recorded_id)
    assert created.profile_name == "strict_city" and created.fraction_den == 2
    page = await reader.get(done.headers["location"], headers=person(CADRE))
    assert "达到 1/2" in page.text and "严格市 · strict_city" in page.text


def _offer(**fields: str) -> dict[str, str]:
    offer = {
        "unit": "dl-bearing",
        "employer": "大连轴承有限公司",
        "year": "2026",
        "place": "公司三楼会议室",
        "content": "2026年度工资专项集体协商要约",
    }
    return form(**{**offer, **fields})


async def test_a_wage_case_opens_under_the_chosen_profile_and_an_unknown_one_starts_nothing(
    client, app: App, time_skipping_env
):
    for name in ("atlantis", "broken_city"):
        refused = await client.post(
            "/cases/new", data=_offer(case_id="WC-P1", profile=name), headers=person(CADRE)
        )
        assert refused.status_code == 422 and "规则配置" in refused.text, refused.text
        assert "公司三楼会议室" in refused.text  # the form keeps what was typed
    assert not app.ledger.exists(wage_contract_id("WC-P1"))
    with pytest.raises(RPCError, match="not found"):  # nothing was started
        await time_skipping_env.client.get_workflow_handle(workflow_id_for("WC-P1")).describe()

    offer = _offer(case_id="WC-P2", profile="national")
    opened = await client.post("/cases/new", data=offer, headers=person(CADRE))
    assert opened.status_code == 303, opened.text
    again = await client.post("/cases/new", data=offer, headers=person(CADRE))
    assert again.status_code == 303 and again.headers["location"] == opened.headers["location"]
    view = app.facades().wage_contracts.view("WC-P2")
    assert view.profile_name == "national"
    assert view.profile_fingerprint == app.profiles.load("national").fingerprint()
    page = await client.get("/cases/WC-P2", headers=person(CADRE))
    assert "全国默认 · national" in page.text and view.profile_fingerprint[:12] in page.text
    # The same case number with another profile is another offer: refused, case unchanged.
    other = await client.post(
        "/cases/new", data=_offer(case_id="WC-P2", profile="liaoning"), headers=person(CADRE)
    )
    assert other.status_code == 409
    assert app.facades().wage_contracts.view("WC-P2").profile_name == "national"
