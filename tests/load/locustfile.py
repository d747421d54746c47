"""The people `make load` simulates, for locust (`tests/load/run.py` prepares them and starts locust).

Learners browse (home, My Progress, their portfolio, an evidence item and its photos) and add evidence (the new
evidence form, a draft saved, sometimes a photo uploaded and processed by the Celery worker, then submitted);
assessors work through their own queue (the queue, an item with its photos, a decision on each claimed criterion
with feedback). Each simulated person is a different account signed in beforehand, and every learner has their
own assessor, so no two people ever act on the same item: any failure is a real one.

Every form is fetched first and posted with the CSRF token it holds, as a browser would; a post is a success
only when it redirects where LEAP sends a successful one. No Django here: locust runs this in its own process.
The plan (who, their cookies, the photo) comes from the JSON file named by LEAP_LOAD_PLAN; the final statistics
go to LEAP_LOAD_RESULT once every simulated person has stopped.
"""

import json
import os
import random
import re
import time
from collections.abc import Iterator
from pathlib import Path

from locust import HttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LEAP_LOAD_PLAN"]).read_text())
PHOTO = Path(PLAN["photo"]).read_bytes()
REQUEST_TIMEOUT_SECONDS = 60
PROCESSING_WAIT_SECONDS = 60  # how long a learner waits for the worker to process a photo before giving up

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
EVIDENCE_LINK = re.compile(r'href="/evidence/(\d+)/"')
IMAGE = re.compile(r'<img src="(/evidence/files/\d+/(?:\?size=thumb)?)"')
CRITERION_BOX = re.compile(r'name="criteria" value="(\d+)"')
DRAFT_TOKEN = re.compile(r'name="draft_token" value="([^"]+)"')
SUBMIT_REVISION = re.compile(r'id="submit-form">.*?name="revision" value="(\d+)"', re.S)
REVIEW_LINK = re.compile(r'href="/assessment/review/(\d+)/"')
DECISION_FIELD = re.compile(r'name="criterion_(\d+)"')
STILL_PROCESSING = re.compile(r"·\s*processing")
PHOTO_WAITS: list[float] = []  # seconds from each photo's upload to the page showing it processed


def _people(role: str) -> list[dict]:
    return [p for p in PLAN["people"] if p["role"] == role]


class Visitor(HttpUser):
    """A signed-in person with a browser's habits: pages as documents, forms posted with their token."""

    abstract = True
    wait_time = between(1, 3)  # reading a page before the next action
    people: Iterator[dict]  # the accounts of this kind of person, one per simulated user

    def on_start(self) -> None:
        self.person = self.next_person()
        self.client.cookies.update(self.person["cookies"])
        self.client.headers.update({"Accept": "text/html,application/xhtml+xml",
                                    "User-Agent": "LEAP load test (locust)"})
        self.first = True

    @classmethod
    def next_person(cls) -> dict:
        return next(cls.people)

    def pause(self, low: float = 0.5, high: float = 1.5) -> None:
        """Typing or looking between two requests of one action."""
        time.sleep(random.uniform(low, high))

    def page(self, url: str, name: str) -> str:
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True,
                             timeout=REQUEST_TIMEOUT_SECONDS) as response:
            if response.status_code != 200:
                response.failure(f"GET {url} answered {response.status_code} {response.headers.get('Location', '')}")
                return ""
            return response.text

    def images(self, html: str) -> None:
        for url in dict.fromkeys(IMAGE.findall(html)):
            with self.client.get(url, name="evidence photo", catch_response=True,
                                 timeout=REQUEST_TIMEOUT_SECONDS) as response:
                if response.status_code != 200 or not response.headers.get("Content-Type", "").startswith("image/"):
                    response.failure(f"GET {url} answered {response.status_code}")

    def missing(self, page: str, what: str) -> None:
        """A page that answered but lacks what a person needs from it (a form, a field) is a failure too; a page
        that did not answer ("") has been counted already."""
        if page:
            self.environment.events.request.fire(request_type="PAGE", name=f"page lacks {what}", response_time=0,
                                                 response_length=0, exception=LookupError(what), context={})

    def post(self, url: str, form_page: str, name: str, *, data: dict, expect: str, files=None) -> str:
        """POST a form of `form_page`; the Location it redirects to when it matches `expect`, else "" (a failure)."""
        token = CSRF_INPUT.search(form_page)
        if token is None:
            self.missing(form_page, "a CSRF token")
            return ""
        with self.client.post(url, name=name, data={"csrfmiddlewaretoken": token.group(1), **data}, files=files,
                              headers={"Origin": self.host}, allow_redirects=False,
                              catch_response=True, timeout=REQUEST_TIMEOUT_SECONDS) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not re.fullmatch(expect, location):
                response.failure(f"POST {url} answered {response.status_code} to {location or 'nowhere'}")
                return ""
            return location


class Learner(Visitor):
    people = iter(_people("learner"))
    fixed_count = len(_people("learner"))

    @task(3)
    def browse(self) -> None:
        if self.first:  # everyone submits at least once, however short the run
            self.first = False
            return self.add_evidence()
        enrolment = self.person["enrolment"]
        self.page("/", "learner home")
        self.pause()
        self.page("/progress/", "My Progress")
        self.pause()
        portfolio = self.page(f"/enrolments/{enrolment}/portfolio/", "portfolio")
        items = EVIDENCE_LINK.findall(portfolio)
        if items:
            self.pause()
            self.images(self.page(f"/evidence/{random.choice(items)}/", "evidence item"))

    @task(1)
    def add_evidence(self) -> None:
        """The "Add evidence" form, saved as a draft; half the time a photo; then submitted to the assessor."""
        self.first = False
        form = self.page(f"/enrolments/{self.person['enrolment']}/evidence/new/", "new evidence form")
        criteria, token = CRITERION_BOX.findall(form), DRAFT_TOKEN.search(form)
        if not criteria or token is None:
            return self.missing(form, "criteria or a draft token")
        self.pause(2, 4)
        draft = self.post(
            f"/enrolments/{self.person['enrolment']}/evidence/new/", form, "save new draft",
            data={"title": f"Load: service on {time.strftime('%H:%M:%S')}", "method": "observation",
                  "reflection": "I set up my section and served two tables on my own.", "activity_place": "Kitchen",
                  "criteria": random.sample(criteria, k=min(2, len(criteria))), "revision": "1",
                  "draft_token": token.group(1)},
            expect=r"/evidence/\d+/edit/")
        if not draft:
            return
        edit = self.page(draft, "evidence edit page")
        if random.random() < 0.5:
            edit = self.upload_photo(draft, edit)
        self.submit(draft, edit)

    def upload_photo(self, edit_url: str, edit: str) -> str:
        files_url = edit_url.replace("/edit/", "/files/")
        if not self.post(files_url, edit, "upload photo", data={},
                         files={"files": ("photo.jpg", PHOTO, "image/jpeg")}, expect=re.escape(edit_url)):
            return ""
        uploaded = time.monotonic()
        while True:  # the page says "processing" until the worker has hashed the photo and made its thumbnail
            edit = self.page(edit_url, "evidence edit page")
            waited = time.monotonic() - uploaded
            if edit and not STILL_PROCESSING.search(edit):
                self.worker_latency(waited)
                return edit
            if waited > PROCESSING_WAIT_SECONDS:
                self.worker_latency(waited, TimeoutError(f"the photo was still processing after {waited:.0f} s"))
                return ""
            time.sleep(1)

    def worker_latency(self, seconds: float, exception: Exception | None = None) -> None:
        """From the upload's answer to the edit page showing the photo processed: the Celery worker's delay as the
        learner sees it (to within the one-second polling). Kept apart from the requests' figures."""
        PHOTO_WAITS.append(round(seconds, 1))
        if exception is not None:
            self.environment.events.request.fire(request_type="WORKER", name="photo processed", response_time=0,
                                                 response_length=0, exception=exception, context={})

    def submit(self, edit_url: str, edit: str) -> None:
        revision = SUBMIT_REVISION.search(edit)
        if revision is None:
            return self.missing(edit, "the submit form")
        self.pause()
        detail = self.post(edit_url.replace("/edit/", "/submit/"), edit, "submit evidence",
                           data={"declared": "on", "revision": revision.group(1)},
                           expect=re.escape(edit_url.replace("/edit/", "/")))
        if detail:
            self.page(detail, "evidence item")


class Assessor(Visitor):
    people = iter(_people("assessor"))
    fixed_count = len(_people("assessor"))

    def on_start(self) -> None:
        super().on_start()
        self.queue = ""

    @task(4)
    def review(self) -> None:
        """The oldest item of one's own queue: opened, its photos looked at, every claimed criterion decided."""
        self.first = False
        items = REVIEW_LINK.findall(self.queue) or REVIEW_LINK.findall(self.page("/assessment/queue/", "queue"))
        self.queue = ""
        if not items:
            return
        url = f"/assessment/review/{items[0]}/"
        review = self.page(url, "review item")
        self.images(review)
        criteria = list(dict.fromkeys(DECISION_FIELD.findall(review)))  # two radios each
        if not criteria:
            return self.missing(review, "decision fields")
        self.pause(2, 5)
        returned = random.random() < 0.2
        decisions = {f"criterion_{pk}": "not_met" if returned and n == 0 else "met" for n, pk in enumerate(criteria)}
        queue = self.post(f"{url}decide/", review, "record decision", expect="/assessment/queue/", data={
            **decisions, "outcome": "returned" if returned else "accepted",
            "feedback": "Clear photo and a good account of the service.",
            "actions": "Show the first criterion in a live service and add it." if returned else ""})
        if queue:
            self.queue = self.page(queue, "queue")

    @task(1)
    def home(self) -> None:
        if self.first:
            return self.review()
        self.page("/", "assessor home")


@events.init.add_listener
def _remember_environment(environment, **kwargs) -> None:
    events.quit.add_listener(lambda exit_code, **kw: _write_result(environment))


def _write_result(environment) -> None:
    """The whole run's figures per request type and overall, after the last person finished (locust's CSV files
    are written every second, and so can miss the last requests)."""
    stats = environment.stats
    entries = [*sorted(stats.entries.values(), key=lambda e: e.name), stats.total]
    Path(os.environ["LEAP_LOAD_RESULT"]).write_text(json.dumps({
        "lines": [{"name": "overall" if e is stats.total else e.name, "requests": e.num_requests,
                   "failures": e.num_failures, "per_second": round(e.total_rps, 2),
                   **{f"p{p}_ms": e.get_response_time_percentile(p / 100) or 0 for p in (50, 95, 99)}}
                  for e in entries if e.num_requests or e.num_failures],
        "failures": [f"{e.occurrences} x {e.method} {e.name}: {e.error}" for e in stats.errors.values()],
        "photo_waits": sorted(PHOTO_WAITS),
    }, indent=2))
