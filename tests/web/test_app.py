"""The web app's frame: it starts without Temporal, serves its vendored htmx, speaks the
request's language, and answers refusals as problem+json."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bootstrap import App
from interfaces.web.app import create_app
from interfaces.web.context import WebContext


@pytest.fixture
async def client(app: App):
    web = create_app(context=WebContext(app))
    async with web.router.lifespan_context(web):
        transport = httpx.ASGITransport(app=web)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def test_the_home_page_is_chinese_first_and_english_on_request(client):
    zh = await client.get("/", headers={"accept": "text/html"})
    assert zh.status_code == 200 and 'lang="zh-CN"' in zh.text and "工会业务流程" in zh.text
    en = await client.get("/?lang=en")
    assert 'lang="en"' in en.text and en.cookies.get("uf_lang") == "en"
    again = await client.get("/")  # remembered by the cookie
    assert 'lang="en"' in again.text


async def test_htmx_is_served_from_the_repository_not_a_cdn(client):
    page = await client.get("/")
    assert (
        '<script src="/static/htmx.min.js"' in page.text
        and "://" not in page.text.split("htmx.min.js")[0].rsplit("<script", 1)[1]
    )
    served = await client.get("/static/htmx.min.js")
    vendored = Path(__file__).resolve().parents[2] / "interfaces/web/static/htmx.min.js"
    assert served.status_code == 200 and served.content == vendored.read_bytes()
    assert b'version:"2.0.11"' in served.content


async def test_an_unknown_api_path_is_problem_json_in_both_languages(client):
    missing = await client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    body = missing.json()
    assert body["status"] == 404 and body["reason_zh"] and body["reason_en"]


async def test_the_openapi_schema_is_served_under_the_api(client):
    schema = await client.get("/api/v1/openapi.json")
    assert schema.status_code == 200 and schema.json()["info"]["title"] == "UnionFlow"
