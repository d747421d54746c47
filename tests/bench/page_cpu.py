"""Server CPU per page, in process: `python -m tests.bench.page_cpu [page ...]`.

A quick, steady figure to work against while the machine is busy (CPU time, not wall time, so waiting for the
processor does not count; database and cache round trips count only for the CPU they take here). The demo centre
is seeded in a throwaway database (as for `make bench`); each page is requested twice to warm up, then 30 times.
Naming pages (their labels below, e.g. "assessor home") also prints a cProfile of 20 requests of each.
The throughput ratios of issue-sized runs are in `make bench` (tests/bench/_throughput.py); this is for profiling.
"""

import os
import statistics
import sys
import time


def main(profiled: list[str]) -> None:
    from ._environment import prepare_environment

    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.bench.site.leap_settings"
    environment = prepare_environment()
    try:
        import django

        django.setup()
        _measure(profiled)
    finally:
        environment.cleanup()


def _measure(profiled: list[str]) -> None:
    import cProfile
    import pstats

    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client

    from leap import demo
    from portfolios.models import Enrolment

    call_command("migrate", verbosity=0)
    cache.clear()
    demo.seed_demo()

    def client(email: str) -> Client:
        signed_in = Client()
        signed_in.force_login(get_user_model().objects.get(email=email))
        return signed_in

    learner, assessor = client(demo.LEARNERS[0].email), client(demo.ASSESSORS[0].email)
    enrolment = Enrolment.objects.filter(learner__email=demo.LEARNERS[0].email).order_by("pk").first()
    pages = [("trivial", learner, "/bench/trivial/"), ("layout (learner)", learner, "/bench/base/"),
             ("layout (assessor)", assessor, "/bench/base/"), ("learner home", learner, "/"),
             ("my progress", learner, "/progress/"), ("portfolio", learner, f"/enrolments/{enrolment.pk}/portfolio/"),
             ("assessor home", assessor, "/"), ("caseload", assessor, "/caseload/"),
             ("queue", assessor, "/assessment/queue/")]
    trivial_ms = None
    for label, who, url in pages:
        for _ in range(2):
            status = who.get(url).status_code
            if status != 200:
                raise SystemExit(f"GET {url} answered {status}")
        samples = []
        for _ in range(30):
            start = time.process_time()
            who.get(url)
            samples.append((time.process_time() - start) * 1000)
        median = statistics.median(samples)
        trivial_ms = trivial_ms or median
        print(f"{label:20s} {median:7.2f} ms CPU   trivial/page {trivial_ms / median:5.2f}", flush=True)
        if label in profiled:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(20):
                who.get(url)
            profile.disable()
            pstats.Stats(profile).sort_stats("cumulative").print_stats(60)


if __name__ == "__main__":
    main(sys.argv[1:])
