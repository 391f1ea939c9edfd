"""A campaign's population taken from the directory (``campaign import --from-directory``):
the grassroots unions under the organiser, with the directory's industry and ownership,
reviewed by their district union; a union without ownership refuses the whole import."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.campaign.test_campaign_cli import KEY, cli  # noqa: F401 - the fixture
from tests.conftest import EXAMPLE_DIRECTORY


def _directory(tmp_path: Path, *, ownership: bool) -> Path:
    data = yaml.safe_load(EXAMPLE_DIRECTORY.read_text(encoding="utf-8"))
    extra = {
        "dl-bearing": {"industry": "制造业", "ownership": "non_public"},
        "dl-garment": {"industry": "纺织服装", "ownership": "non_public"},
        "dl-seed": {"industry": "农林水利", "ownership": "public"},
    }
    for org in data["organisations"]:
        org.update(extra.get(org["code"], {}))
        if not ownership and org["code"] == "dl-seed":
            org.pop("ownership")
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_population_from_the_directory(cli, tmp_path):  # noqa: F811 - the fixture
    loaded = cli(
        "directory", "load", str(_directory(tmp_path, ownership=False)), "--as", "ops.admin"
    )
    assert loaded.exit_code == 0, loaded.output
    opened = cli("campaign", "open", KEY, "--organiser", "dl-city", "--as", "sun.lihua")
    assert opened.exit_code == 0, opened.output
    neither = cli("campaign", "import", KEY, "--as", "sun.lihua")
    assert neither.exit_code == 2 and "二者选一" in neither.stderr
    refused = cli("campaign", "import", KEY, "--from-directory", "--as", "sun.lihua")
    assert refused.exit_code == 2, refused.output
    assert "dl-seed" in refused.stderr and "所有制" in refused.stderr
    assert "dl-bearing" not in cli("campaign", "units", KEY).stdout  # nothing was written

    fixed = cli("directory", "load", str(_directory(tmp_path, ownership=True)), "--as", "ops.admin")
    assert fixed.exit_code == 0, fixed.output
    done = cli("campaign", "import", KEY, "--from-directory", "--as", "sun.lihua")
    assert done.exit_code == 0, done.output
    assert "新加入 3" in done.stdout
    bearing = cli("campaign", "unit", KEY, "dl-bearing")
    assert "甘井子区" in bearing.stdout and "制造业" in bearing.stdout
    assert "甘井子区总工会" in bearing.stdout  # its district union reviews its reports
    seed = cli("campaign", "unit", KEY, "dl-seed")
    assert "大连市总工会" in seed.stdout  # no district union above it: the organiser
    again = cli("campaign", "import", KEY, "--from-directory", "--as", "sun.lihua")
    assert again.exit_code == 0 and "新加入 0" in again.stdout and "未变 3" in again.stdout
