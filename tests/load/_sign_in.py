"""Signing in through LEAP's real sign-in form over HTTP, as a browser does: the form's CSRF token, email and
password, then (for staff) the TOTP code on the second-factor page.

Each person signs in from a loopback address of their own (127.0.0.2, 127.0.0.3, ...: on Linux the whole
127.0.0.0/8 block is this machine), as fifty people on fifty phones would: the sign-in rate limit counts per
address (30 a minute), and one address for everyone would meet it after thirty sign-ins.
"""

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter

from leap.demo import current_totp_code

from ._seed import PASSWORD, Person

LOGIN_URL, SECOND_FACTOR_URL = "/accounts/login/", "/accounts/2fa/authenticate/"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT_SECONDS = 60


class SignInFailed(Exception):
    """The real sign-in form did not let a simulated person in; the message says where it stopped."""


@dataclass(frozen=True)
class SignedIn:
    person: Person
    cookies: dict[str, str]  # the session and CSRF cookies a browser would keep


class _FromAddress(HTTPAdapter):
    """Connections from one loopback source address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def sign_in_everyone(base_url: str, people: list[Person], *, parallel: int) -> list[SignedIn]:
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(lambda args: sign_in(base_url, *args), enumerate(people)))


def sign_in(base_url: str, n: int, person: Person) -> SignedIn:
    session = requests.Session()
    session.mount("http://", _FromAddress(f"127.0.0.{2 + n % 250}"))
    page = _get(session, base_url + LOGIN_URL, person)
    answer = _post(session, base_url + LOGIN_URL, page, person, login=person.email, password=PASSWORD)
    if answer.url.endswith(SECOND_FACTOR_URL):
        if not person.totp_secret:
            raise SignInFailed(f"{person.email}: asked for a second factor it does not have")
        answer = _post(session, answer.url, answer.text, person, code=current_totp_code(person.totp_secret))
    if answer.url != base_url + "/":
        raise SignInFailed(f"{person.email}: signing in ended on {answer.url} ({answer.status_code}), not the home")
    return SignedIn(person, session.cookies.get_dict())


def _get(session: requests.Session, url: str, person: Person) -> str:
    response = session.get(url, timeout=TIMEOUT_SECONDS)
    if response.status_code != 200:
        raise SignInFailed(f"{person.email}: GET {url} answered {response.status_code}")
    return response.text


def _post(session: requests.Session, url: str, page: str, person: Person, **fields: str) -> requests.Response:
    token = CSRF_INPUT.search(page)
    if token is None:
        raise SignInFailed(f"{person.email}: no CSRF token in the form at {url}")
    origin = re.match(r"https?://[^/]+", url).group(0)
    response = session.post(url, data={"csrfmiddlewaretoken": token.group(1), **fields}, timeout=TIMEOUT_SECONDS,
                            headers={"Origin": origin, "Referer": url})
    if response.status_code != 200:
        raise SignInFailed(f"{person.email}: POST {url} ended with {response.status_code}")
    return response
