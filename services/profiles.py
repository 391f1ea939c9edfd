"""Where rule profiles come from: the shipped YAML plus an optional directory."""

from __future__ import annotations

from pathlib import Path

from domain.profiles import RuleProfile, available_profiles, load_profile


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
