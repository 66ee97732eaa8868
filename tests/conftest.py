"""Shared fixtures. Media is generated per test session with ffmpeg's lavfi sources; nothing large is committed."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from toolkit.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def ffmpeg(settings: Settings) -> str:
    return settings.ffmpeg


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
