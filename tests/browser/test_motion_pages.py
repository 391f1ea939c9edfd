"""Motions in Chromium: a delegate files one on the form, another seconds it; axe on the
list, the form and the motion's page."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Browser, expect

from tests.browser.conftest import PHONE_CONTEXT, LiveStack, accessible, sign_in
from tests.congress.workflow.test_session_workflow import congress_with_roster, today

KEY = "dl-bearing-6"


async def _call_for_motions(app, env) -> None:
    await congress_with_roster(app, env, key=KEY)
    await app.facades(env.client).motions.open_call(
        "wang.li", KEY, await today(env) + timedelta(days=30)
    )


def test_a_delegate_files_a_motion_on_the_form_and_another_seconds_it(
    live: LiveStack, browser: Browser
):
    live.run(_call_for_motions)
    context = browser.new_context(**PHONE_CONTEXT)
    sign_in(context, live, "liu.qiang")
    page = context.new_page()
    page.goto(f"{live.url}/motions/new?congress={KEY}")
    accessible(page, "motion-new")
    page.get_by_label("案由").fill("改善一车间夏季通风降温条件")
    page.get_by_label("理由").fill("一车间夏季温度超过35度，影响职工健康")
    page.get_by_label("办法和建议").fill("加装排风设备，高温时段调整作息")
    page.get_by_role("button", name="提交提案").click()
    expect(page.locator("h1")).to_have_text("改善一车间夏季通风降温条件")
    expect(page.get_by_text("征集附议中")).to_be_visible()
    motion_url = page.url
    context.close()

    context = browser.new_context(**PHONE_CONTEXT)
    sign_in(context, live, "dlb-d01")
    page = context.new_page()
    page.goto(motion_url)
    page.get_by_role("button", name="附议").click()
    expect(page.get_by_role("cell", name="张秀英（dlb-d01） · 1 名代表附议")).to_be_visible()
    accessible(page, "motion-show")
    page.goto(f"{live.url}/motions?congress={KEY}")
    expect(page.get_by_role("link", name=motion_url.rsplit("/", 1)[1])).to_be_visible()
    accessible(page, "motion-list")
    context.close()
