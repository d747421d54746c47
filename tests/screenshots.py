"""Screenshots of the demo for the README: `make screenshots` (python -m tests.screenshots).

Builds a fresh demo centre in its own var directory, serves it with `manage.py runserver`, drives headless
Chromium over it and writes PNGs to docs/screenshots/: the learner's five main pages at 390 x 844 (a phone),
the assessor's queue and review at 1280 x 800 (a laptop), and the other roles' home pages at both sizes.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
                            capture_output=capture)
    return result.stdout if capture else ""


def wait_until_up(url: str, seconds: int = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the demo server did not answer at {url}")


def totp_codes(env: dict) -> dict[str, str]:
    lines = manage(env, "demo_totp", capture=True).splitlines()
    return {line.split()[0]: line.split()[1] for line in lines if line.strip()}


def sign_in(page, base: str, email: str, env: dict) -> None:
    from leap.demo import DEMO_PASSWORD

    page.goto(base + "/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/2fa/authenticate" in page.url:
        page.locator("input[name=code]").fill(totp_codes(env)[email])
        page.locator("form button[type=submit]").first.click()
        page.wait_for_load_state()


def shoot(page, base: str, path: str, name: str, *, full_page: bool = False) -> None:
    if path:
        page.goto(base + path)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=OUT / f"{name}.png", full_page=full_page)
    print(f"  {name}.png  {page.url.removeprefix(base)}")


def main() -> None:
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        raise SystemExit("Chromium is needed: apt-get install chromium chromium-driver")
    OUT.mkdir(parents=True, exist_ok=True)
    var = Path(tempfile.mkdtemp(prefix="leap-screenshots-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LEAP_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "leap.settings", "SITE_URL": base}
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the var directory
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", capture=True)
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ["LEAP_VAR_DIR"] = str(var)
    try:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leap.settings")
        django.setup()
        from leap import demo

        wait_until_up(base)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            learner = browser.new_context(**PHONE).new_page()
            sign_in(learner, base, demo.LEARNERS[0].email, env)
            print("Learner (390 x 844):")
            shoot(learner, base, "/", "learner-1-home")
            shoot(learner, base, "/portfolio/", "learner-2-portfolio")
            shoot(learner, base, "/add-evidence/", "learner-3-add-evidence")
            shoot(learner, base, "/progress/", "learner-4-progress")
            shoot(learner, base, "/badges/wallet/", "learner-5-badges")
            learner.goto(base + "/")
            learner.locator("details.menu > summary").click()
            shoot(learner, base, "", "learner-6-menu")

            assessor = browser.new_context(**LAPTOP).new_page()
            sign_in(assessor, base, demo.ASSESSORS[0].email, env)
            print("Assessor (1280 x 800):")
            shoot(assessor, base, "/", "assessor-1-home")
            shoot(assessor, base, "/assessment/queue/", "assessor-2-queue")
            review = assessor.locator("main a[href*='/assessment/review/']").first
            if review.count():
                review.click()
                shoot(assessor, base, "", "assessor-3-review")
            assessor.set_viewport_size(PHONE["viewport"])  # the same session: a TOTP code is good only once
            shoot(assessor, base, "/assessment/queue/", "assessor-4-queue-phone")
            shoot(assessor, base, "/assessment/comment-bank/", "assessor-5-comment-bank-phone")

            print("Moderator and centre admin (1280 x 800, then 390 x 844):")
            for who, email in (("moderator", demo.MODERATOR_EMAIL), ("admin", demo.ADMIN.email)):
                staff = browser.new_context(**LAPTOP).new_page()
                sign_in(staff, base, email, env)
                shoot(staff, base, "/", f"{who}-1-home")
                staff.set_viewport_size(PHONE["viewport"])
                shoot(staff, base, "/", f"{who}-2-home-phone")
                staff.context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(var, ignore_errors=True)
    print(f"Written to {OUT.relative_to(ROOT)}/")


if __name__ == "__main__":
    main()
