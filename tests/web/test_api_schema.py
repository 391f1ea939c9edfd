"""Schemathesis over ``/api/v1``: every operation of the OpenAPI schema, fed generated
requests (valid and invalid) by a signed-in delegate's bearer token, answers without a
5xx, and every refusal is ``application/problem+json`` with the reason in both languages.

The app runs on the test's event loop (its Temporal client is the time-skipping server's);
Hypothesis drives the cases from a thread and hands each request to that loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from schemathesis.core.failures import FailureGroup

from application.accounts import AccountService
from bootstrap import App
from interfaces.web.context import WebContext
from interfaces.web.problem import PROBLEM
from tests.wage_contract.helpers import no_workflow_left_open, service, to_review
from tests.web.conftest import client_of, create_account
from tests.web.congress_floor import open_session
from tests.web.pages_support import web_settings

# Fixtures: the running worker's task queue; no workflow left open after the test.
__all__ = ["no_workflow_left_open", "web_settings"]

# Not ``positive_data_acceptance``: the domain's text rules (no control characters, not
# blank after trimming) are validators the JSON schema does not express, so a
# schema-valid "\x00" is rightly a 422 with its reason.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}


@pytest.fixture
def web_context(
    app: App, accounts: AccountService, time_skipping_env, running_worker
) -> WebContext:
    return WebContext(app, _accounts=accounts, _client=time_skipping_env.client)


def bearer_of(accounts: AccountService, actor_id: str) -> dict[str, str]:
    create_account(accounts, actor_id)
    issued = accounts.issue_token(actor_id, "schemathesis")
    assert issued is not None
    return {"Authorization": f"Bearer {issued.token}"}


def refusal_problem(response: httpx.Response) -> str | None:
    """What is wrong with a response, or None."""
    if response.status_code >= 500:
        return f"server error {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        if response.headers.get("content-type", "").split(";")[0] != PROBLEM:
            return f"{response.status_code} is not problem+json: {response.headers}"
        body = response.json()
        if not (body.get("reason_zh") and body.get("reason_en")):
            return f"{response.status_code} without reasons: {body}"
    return None


def nonconforming(case: Any, response: httpx.Response) -> str | None:
    """Schemathesis's own verdicts, or None: the status and its content type are documented,
    a 2xx body matches its schema, invalid input is refused."""
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as e:
        return "; ".join(sorted({f.title for f in e.exceptions}))
    return None


def explore(
    operation: Any, mode: GenerationMode, known: dict[str, Any], send: Any, found: list[str]
) -> None:
    """Hypothesis over one operation in one mode; a bad response is recorded (not raised,
    so every operation is explored and the report lists them all)."""

    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def run(case: Any, real: bool) -> None:
        if real and mode is GenerationMode.POSITIVE:  # half the valid cases name real records
            for name in case.path_parameters or {}:
                case.path_parameters[name] = known.get(name, case.path_parameters[name])
        response = send(case)
        wrong = refusal_problem(response) or nonconforming(case, response)
        if wrong and len(found) < 50:
            found.append(f"{case.method} {case.formatted_path} {case.body!r}: {wrong}")

    try:
        run()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (no input at all)


async def test_every_api_operation_answers_within_its_contract(
    web: FastAPI, accounts: AccountService, app: App, time_skipping_env, task_queue: str
):
    schema = schemathesis.openapi.from_dict(web.openapi())
    # Records to find: a wage case under review, an open congress session with its items.
    case = await to_review(service(time_skipping_env, app, task_queue))
    known: dict[str, Any] = {
        "case_id": case.case_id,
        "key": case.case_id,
        "sid": await open_session(app, time_skipping_env),
        "no": 1,  # the session's first item
    }
    auth = bearer_of(accounts, "liu.qiang")
    loop = asyncio.get_running_loop()
    found: list[str] = []
    async with client_of(web) as client:

        def send(case: Any) -> httpx.Response:
            kwargs = case.as_transport_kwargs(base_url="http://test")
            kwargs["headers"] = {**(kwargs.get("headers") or {}), **auth}
            request = client.request(
                kwargs["method"],
                kwargs["url"],
                params=kwargs.get("params"),
                headers=kwargs["headers"],
                json=kwargs.get("json"),
                content=kwargs.get("data"),
            )
            return asyncio.run_coroutine_threadsafe(request, loop).result(timeout=30)

        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        for operation in operations:
            for mode in EXAMPLES:
                await asyncio.to_thread(explore, operation, mode, known, send, found)
    assert not found, "\n".join(found)
