"""Fixtures of the campaign pages' tests: the web tests' settings and sign-in, and the
campaign of ``support`` in the test's ledger. No Temporal server: reports and their
review go straight to the ledger."""

from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap import App
from tests.campaign.web.support import campaign
from tests.web.conftest import accounts, clock, signed_in_client, web, web_context  # noqa: F401
from tests.web.pages_support import web_reader, web_settings  # noqa: F401 - fixtures


@pytest.fixture
def key(app: App, tmp_path: Path) -> str:
    return campaign(app, tmp_path)
