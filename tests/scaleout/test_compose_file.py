"""docker-compose.yml describes the shape test_production_shape.py runs: the same processes, the same environment."""

from .production import compose, compose_environment_names, dockerfile_command
from .test_production_shape import TEST_ONLY_ENVIRONMENT, production_environment

APP_SERVICES = ("web", "worker", "beat", "migrate")


def test_the_compose_file_sets_exactly_the_variables_the_production_shape_runs_with():
    tested = production_environment(redis_url="redis://", s3_url="http://s3", email_url="smtp://",
                                    secret_key="k" * 64)
    assert compose_environment_names() == set(tested)
    assert not set(TEST_ONLY_ENVIRONMENT) & compose_environment_names()


def test_every_app_process_runs_the_same_image_with_the_same_environment():
    services = compose()["services"]
    assert {"db", "redis", "minio", *APP_SERVICES} <= set(services)
    for name in APP_SERVICES:
        assert services[name]["environment"] == compose()["x-leap-env"], name
        assert services[name]["image"] == services["web"]["image"], name


def test_web_runs_the_images_gunicorn_and_celery_runs_one_beat():
    services = compose()["services"]
    assert "command" not in services["web"] and dockerfile_command()[:2] == ["gunicorn", "leap.wsgi:application"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "leap", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "leap", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_the_web_ports_are_published_on_loopback_only_for_the_proxy_in_front():
    for name in ("web", "minio"):
        assert all(str(port).startswith("127.0.0.1:") for port in compose()["services"][name]["ports"]), name
