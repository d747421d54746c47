import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leap.settings")

app = Celery("leap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Apps whose tasks live in their topic subpackages (badges/awards/tasks.py, ...).
app.autodiscover_tasks(["badges.awards", "badges.certificates", "badges.openbadges", "moderation.external.packs",
                        "moderation.external.reports"])
