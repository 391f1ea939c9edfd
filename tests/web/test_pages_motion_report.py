"""The term's motion report on the web (``motion report``, 提案办理情况): read by the unit's
cadres and the term's delegates in office (and auditors, operators), 404 to anyone else,
linked from the motions list for those who read it; every motion with its stage, proposer,
departments and due date, by name."""

from __future__ import annotations

import pytest

from tests.web.pages_support import person, web_client, web_settings
from tests.web.test_read_policy import AUDITOR, CHAIR, DELEGATE, KEY, RECALLED, records

__all__ = ["records", "web_client", "web_settings"]  # fixtures

URL = f"/motions/report/{KEY}"


@pytest.mark.parametrize(
    ("who", "reads"),
    [
        (CHAIR, True),  # the unit's cadre (the motions committee)
        (DELEGATE, True),  # a delegate of the term
        (AUDITOR, True),
        ("chen.jing", False),  # a reviewer of the parent union reads the term, not this
        ("zhao.min", False),  # a cadre of another unit
        (RECALLED, False),  # recalled: no longer in office
        ("hr.dept", False),
    ],
)
async def test_the_report_is_read_by_the_units_cadres_and_the_terms_delegates(
    client, records, who, reads
):
    got = await client.get(URL, headers=person(who))
    assert got.status_code == (200 if reads else 404), (who, got.text[:200])
    listing = await client.get(f"/motions?congress={KEY}", headers=person(who))
    assert (f'href="{URL}"' in listing.text) is reads, who


async def test_the_report_lists_each_motion_by_name_with_its_stage(client, records):
    page = await client.get(URL, headers=person(CHAIR))
    text = page.text
    assert "提案办理情况" in text and "第 6 届" in text
    assert "大连轴承制造有限公司工会" in text  # the unit by name
    assert f'href="/motions/{records["motion"]}"' in text and "改善一车间通风" in text
    assert "刘强" in text  # the proposer by name, not the id alone
    assert "征集附议中 1" in text  # the count per stage
    missing = await client.get("/motions/report/no-such-term", headers=person(CHAIR))
    assert missing.status_code == 404
    english = await client.get(f"{URL}?lang=en", headers=person(DELEGATE))
    assert "were handled" in english.text and "Lead department" in english.text
