"""LEAP's settings as they are, with the bench's URLs on top (the trivial signed-in page)."""

from pathlib import Path

from leap.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.site.leap_urls"
TEMPLATES[0]["DIRS"] = [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]  # noqa: F405
