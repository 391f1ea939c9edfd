"""Where rule profiles come from: the shipped YAML plus an optional directory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

import domain
from domain.profiles import ProfileError, RuleProfile, merge_layers

PROFILE_DATA_DIR = Path(domain.__file__).with_name("profile_data")


class ProfileSource:
    """Loads validated rule profiles by name."""

    def __init__(self, extra_dir: Path | None = None) -> None:
        self.extra_dirs = [extra_dir] if extra_dir else []

    def load(self, name: str) -> RuleProfile:
        """The merged, validated profile; ProfileError when absent or invalid."""
        return load_profile(name, self.extra_dirs)

    def names(self) -> list[str]:
        """Every profile that can be loaded."""
        return available_profiles(self.extra_dirs)


def available_profiles(extra_dirs: Sequence[Path] = ()) -> list[str]:
    """Names of the shipped profiles and those in ``extra_dirs``, sorted."""
    return sorted(
        {path.stem for directory in _dirs(extra_dirs) for path in directory.glob("*.yaml")}
    )


def load_profile(name: str, extra_dirs: Sequence[Path] = ()) -> RuleProfile:
    """Load profile ``name``, merged onto the profile it extends, and validate it."""
    directories = _dirs(extra_dirs)
    raw, chain = _resolve(name, directories, ())
    try:
        return RuleProfile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        files = " extends ".join(str(path) for path in chain)
        raise ProfileError(f"profile {name!r} ({files}) is invalid: {problems}") from None


def _dirs(extra_dirs: Sequence[Path]) -> list[Path]:
    for directory in extra_dirs:
        if not directory.is_dir():
            raise ProfileError(f"profile directory not found: {directory}")
    return [PROFILE_DATA_DIR, *extra_dirs]


def _resolve(
    name: str, directories: Sequence[Path], seen: tuple[str, ...]
) -> tuple[dict[str, Any], list[Path]]:
    """The raw merged mapping of ``name`` and the files it came from, leaf first."""
    if name in seen:
        raise ProfileError(f"profile inheritance cycle: {' -> '.join((*seen, name))}")
    path = _find(name, directories)
    raw = _read(path)
    if raw.get("name") != name:
        raise ProfileError(
            f"{path}: name must be {name!r} (the file name), got {raw.get('name')!r}"
        )
    base_name = raw.get("extends")
    if base_name is None:
        return raw, [path]
    if not isinstance(base_name, str):
        raise ProfileError(f"{path}: extends must be a profile name, got {base_name!r}")
    base, chain = _resolve(base_name, directories, (*seen, name))
    return merge_layers(base, raw, RuleProfile), [path, *chain]


def _find(name: str, directories: Sequence[Path]) -> Path:
    found = [d / f"{name}.yaml" for d in directories if (d / f"{name}.yaml").is_file()]
    if not found:
        raise ProfileError(
            f"unknown profile {name!r}; available: {available_profiles(directories[1:])}"
        )
    # Shadowing a shipped profile silently would change rules behind the fingerprint's back.
    if len(found) > 1:
        raise ProfileError(f"profile {name!r} defined more than once: {[str(p) for p in found]}")
    return found[0]


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {exc}") from exc
    if not isinstance(raw, dict):
        raise ProfileError(f"{path}: a profile must be a mapping, got {type(raw).__name__}")
    return raw
