import pytest

from tests import test_url_walk as walk


@pytest.mark.django_db
def test_walk_without_unfinished_routes(personas, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    routes = [(r, p) for r, p in walk.LEAP_ROUTES
              if r.count("<") == len(walk.CASES.get(p.name, walk.Case()).args.split())]
    monkeypatch.setattr(walk, "LEAP_ROUTES", routes)
    walk.test_every_persona_gets_what_the_rule_of_every_url_says.__wrapped__(personas) if hasattr(
        walk.test_every_persona_gets_what_the_rule_of_every_url_says, "__wrapped__") else \
        walk.test_every_persona_gets_what_the_rule_of_every_url_says(personas)
