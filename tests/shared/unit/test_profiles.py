"""Tests for rule profiles: loading, provincial overrides, validation and fractions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from application.profiles import PROFILE_DATA_DIR, available_profiles, load_profile
from domain.profiles import (
    MaxFraction,
    MinFraction,
    MinimumWage,
    ProfileError,
    RuleProfile,
    WageGuideline,
)


def write_profile(directory: Path, name: str, body: dict[str, Any]) -> None:
    (directory / f"{name}.yaml").write_text(yaml.safe_dump({"name": name, **body}), "utf-8")


def leaves(tree: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(tree, dict):
        found: dict[tuple[str, ...], Any] = {}
        for key, value in tree.items():
            found.update(leaves(value, (*prefix, str(key))))
        return found
    return {prefix: tree}


def test_national_profile_loads_with_statutory_numbers() -> None:
    profile = load_profile("national")
    wage = profile.wage_contract
    assert (wage.reply_days, wage.filing_days, wage.review_window_days) == (20, 10, 15)
    assert wage.talks_start_working_days == 10
    assert wage.adoption_pass == MinFraction(num=1, den=2, strict=True)
    assert profile.congress.quorum == MinFraction(num=2, den=3, strict=False)
    assert "PLACEHOLDER" in wage.minimum_wage.source
    assert profile.extends is None


def test_available_profiles_lists_shipped_files() -> None:
    assert {"national", "liaoning"} <= set(available_profiles())


def test_liaoning_overrides_what_it_says_and_inherits_the_rest() -> None:
    national = leaves(load_profile("national").model_dump(mode="json"))
    liaoning = load_profile("liaoning")
    raw = yaml.safe_load((PROFILE_DATA_DIR / "liaoning.yaml").read_text("utf-8"))
    # Top-level scalars and whole-valued sections (depth 2) are what the file says.
    said = {path[:2] for path in leaves(raw)}
    for path, value in leaves(liaoning.model_dump(mode="json")).items():
        if path[:2] not in said:
            assert value == national[path], path
    assert liaoning.extends == "national"
    assert liaoning.title == raw["title"]
    assert liaoning.wage_contract.minimum_wage == MinimumWage.model_validate(
        raw["wage_contract"]["minimum_wage"]
    )
    assert liaoning.wage_contract.wage_guideline == WageGuideline.model_validate(
        raw["wage_contract"]["wage_guideline"]
    )


def test_liaoning_minimum_wage_replaces_the_national_areas_whole() -> None:
    minimum = load_profile("liaoning").wage_contract.minimum_wage
    assert [area.area_class for area in minimum.areas] == [1, 2, 3]
    assert minimum.for_area(1).monthly_yuan == Decimal("2230.00")
    assert "to be confirmed" in minimum.source


def test_override_of_one_period_keeps_sibling_fields(tmp_path: Path) -> None:
    write_profile(
        tmp_path,
        "shanghai_test",
        {"title": "t", "extends": "national", "wage_contract": {"publication_days": 10}},
    )
    profile = load_profile("shanghai_test", [tmp_path])
    assert profile.wage_contract.publication_days == 10
    assert profile.wage_contract.filing_days == 10
    assert profile.title == "t"


@pytest.mark.parametrize(
    ("wage_contract", "field"),
    [
        ({"reply_dayz": 20}, "wage_contract.reply_dayz"),
        ({"reply_days": -1}, "wage_contract.reply_days"),
        (
            {"outsiders_max_fraction": {"num": 1, "den": 0, "strict": False}},
            "wage_contract.outsiders_max_fraction.den",
        ),
        ({"adoption_pass": {"num": 1, "den": 2}}, "wage_contract.adoption_pass.strict"),
        ({"minimum_wage": {"source": "x", "areas": []}}, "wage_contract.minimum_wage.areas"),
    ],
)
def test_bad_override_is_refused_naming_the_field(
    tmp_path: Path, wage_contract: dict[str, Any], field: str
) -> None:
    write_profile(
        tmp_path, "bad", {"title": "t", "extends": "national", "wage_contract": wage_contract}
    )
    with pytest.raises(ProfileError) as caught:
        load_profile("bad", [tmp_path])
    assert field in str(caught.value)
    assert "bad.yaml" in str(caught.value)


def test_name_must_match_file(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text("name: wrong\nextends: national\n", "utf-8")
    with pytest.raises(ProfileError, match="name must be 'other'"):
        load_profile("other", [tmp_path])


def test_unknown_profile_and_cycle_and_shadowing_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="unknown profile 'nowhere'"):
        load_profile("nowhere")
    write_profile(tmp_path, "a", {"title": "t", "extends": "b"})
    write_profile(tmp_path, "b", {"title": "t", "extends": "a"})
    with pytest.raises(ProfileError, match="cycle"):
        load_profile("a", [tmp_path])
    write_profile(tmp_path, "national", {"title": "t"})
    with pytest.raises(ProfileError, match="more than once"):
        load_profile("national", [tmp_path])


def test_fingerprint_is_stable_and_tracks_values() -> None:
    profile = load_profile("national")
    assert profile.fingerprint() == load_profile("national").fingerprint()
    assert len(profile.fingerprint()) == 64
    data = profile.model_dump(mode="json")
    assert RuleProfile.model_validate(data) == profile
    assert RuleProfile.model_validate(data).fingerprint() == profile.fingerprint()
    data["wage_contract"]["filing_days"] = 7
    assert RuleProfile.model_validate(data).fingerprint() != profile.fingerprint()
    assert load_profile("liaoning").fingerprint() != profile.fingerprint()


def test_equal_amounts_written_differently_fingerprint_equal() -> None:
    data = load_profile("national").model_dump(mode="json")
    data["wage_contract"]["minimum_wage"]["areas"][0]["hourly_yuan"] = "20"
    assert RuleProfile.model_validate(data).fingerprint() == load_profile("national").fingerprint()


def test_profile_is_frozen() -> None:
    profile = load_profile("national")
    with pytest.raises(ValueError):
        profile.wage_contract.reply_days = 1  # type: ignore[misc]


def test_quorum_of_two_thirds_is_inclusive() -> None:
    quorum = load_profile("national").wage_contract.adoption_quorum
    assert quorum.allows(20, 30)
    assert not quorum.allows(19, 30)


def test_pass_of_one_half_is_strict() -> None:
    passing = load_profile("national").congress.pass_threshold
    assert not passing.allows(15, 30)
    assert passing.allows(16, 30)


def test_outsiders_cap_of_one_third() -> None:
    cap = load_profile("national").wage_contract.outsiders_max_fraction
    assert cap.allows(1, 3)
    assert not cap.allows(2, 5)
    assert cap.allows(0, 3)


def test_strict_ceiling_excludes_the_bound() -> None:
    assert not MaxFraction(num=1, den=3, strict=True).allows(1, 3)


def test_fraction_refuses_impossible_counts_and_improper_values() -> None:
    with pytest.raises(ValueError, match="part <= whole"):
        MinFraction(num=1, den=2, strict=False).allows(4, 3)
    with pytest.raises(ValueError, match="whole > 0"):
        MinFraction(num=1, den=2, strict=False).allows(0, 0)
    with pytest.raises(ValueError, match="exceeds den"):
        MinFraction(num=3, den=2, strict=False)


def test_a_profile_is_read_once_and_read_again_when_its_file_changes(tmp_path: Path) -> None:
    import os

    from application.profiles import ProfileSource

    write_profile(tmp_path, "dalian", {"extends": "liaoning", "title": "大连"})
    source = ProfileSource(tmp_path)
    first = source.load("dalian")
    assert source.load("dalian") is first  # not parsed again
    write_profile(tmp_path, "dalian", {"extends": "liaoning", "title": "大连市"})
    path = tmp_path / "dalian.yaml"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert source.load("dalian").title == "大连市"
    path.unlink()
    with pytest.raises(ProfileError):
        source.load("dalian")
