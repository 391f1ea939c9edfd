"""Where rule profiles come from: the shipped YAML plus an optional directory."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

import domain
from domain.profiles import ProfileError, RuleProfile, merge_layers

PROFILE_DATA_DIR = Path(domain.__file__).with_name("profile_data")


class ProfileSource:
    """Loads validated rule profiles by name, each read once until a profile file changes.

    Profiles are read on hot paths (every check-in's attendance, every poll opened); parsing
    and validating the YAML took ~33 ms a call. Profiles are frozen models, so one loaded
    profile is shared; a changed, added or removed file (name, size or mtime) reloads.
    """

    def __init__(self, extra_dir: Path | None = None) -> None:
        self.extra_dirs = [extra_dir] if extra_dir else []
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[str, int, int], ...] | None = None
        self._loaded: dict[str, RuleProfile] = {}

    def load(self, name: str) -> RuleProfile:
        """The merged, validated profile; ProfileError when absent or invalid."""
        stamp = self._listing()
        with self._lock:
            if stamp != self._stamp:
                self._loaded, self._stamp = {}, stamp
            found = self._loaded.get(name)
        if found is None:
            found = load_profile(name, self.extra_dirs)
            with self._lock:
                if self._stamp == stamp:
                    self._loaded[name] = found
        return found

    def _listing(self) -> tuple[tuple[str, int, int], ...]:
        files = []
        for directory in _dirs(self.extra_dirs):
            for path in sorted(directory.glob("*.yaml")):
                st = path.stat()
                files.append((str(path), st.st_size, st.st_mtime_ns))
        return tuple(files)

    def names(self) -> list[str]:
        """Every profile that can be loaded."""
        return available_profiles(self.extra_dirs)

    def values(self, name: str) -> ProfileValues:
        """The merged profile ``name`` with, for each rule, the file that sets it."""
        return profile_values(name, self.extra_dirs)


@dataclass(frozen=True)
class ProfileValue:
    """One rule of a profile as in force: its value, what it means and where it is set."""

    section: str  # wage_contract | congress
    key: str
    value: Any  # the rule's model (a Fraction, MinimumWage, …) or a plain value
    description: str  # the rule's basis, from the profile model (CCR §32, [profile] …)
    file: str  # the file that sets it, leaf-most of the chain


@dataclass(frozen=True)
class ProfileValues:
    """A merged profile, the files it came from (leaf first) and each rule's source."""

    profile: RuleProfile
    files: list[Path]
    values: list[ProfileValue]


def profile_values(name: str, extra_dirs: Sequence[Path] = ()) -> ProfileValues:
    """``load_profile`` with the source of each rule: the leaf-most file of the
    ``extends`` chain that names it (a section merged from several files names the last)."""
    profile = load_profile(name, extra_dirs)
    directories = _dirs(extra_dirs)
    chain: list[tuple[Path, dict[str, Any]]] = []
    current: str | None = name
    while current is not None:  # load_profile refused a cycle
        path = _find(current, directories)
        raw = _read(path)
        chain.append((path, raw))
        base = raw.get("extends")
        current = base if isinstance(base, str) else None
    values = []
    for section in ("wage_contract", "congress"):
        rules = getattr(profile, section)
        for key, field in type(rules).model_fields.items():
            setting = next((p.name for p, raw in chain if key in (raw.get(section) or {})), "")
            values.append(
                ProfileValue(section, key, getattr(rules, key), field.description or "", setting)
            )
    return ProfileValues(profile, [p for p, _ in chain], values)


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
