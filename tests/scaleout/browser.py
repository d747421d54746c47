"""A browser's side of the production shape: a cookie jar on https://<site>, and a load balancer in front of the web
processes that terminates TLS, sets X-Forwarded-Proto and sends each request to the next process in turn.

The cookie jar sees only the public https address, so it keeps and sends LEAP's Secure cookies as a browser
would; the processes behind it are reached over plain HTTP on loopback, as behind a real load balancer.
"""

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

CLIENT_ADDRESS = "203.0.113.7"  # the phone's address, as the load balancer forwards it


class LoadBalancer(HTTPAdapter):
    """Round robin over `backends` ("127.0.0.1:port"), one request each, redirects included."""

    def __init__(self, backends: list[str]) -> None:
        super().__init__()
        self._next = itertools.cycle(backends)
        self.served: Counter[str] = Counter()

    def send(self, request, **kwargs):
        backend = next(self._next)
        public = urlsplit(request.url)
        forwarded = request.copy()
        forwarded.url = urlunsplit(("http", backend, public.path, public.query, ""))
        forwarded.headers.update({"Host": public.netloc, "X-Forwarded-Proto": "https",
                                  "X-Forwarded-For": CLIENT_ADDRESS})
        response = super().send(forwarded, **kwargs)
        self.served[backend] += 1
        # What the browser sees: the public address (cookies and relative redirects resolve against it).
        response.url, response.request = request.url, request
        return response


@dataclass
class Form:
    action: str
    method: str
    values: dict[str, list[str]] = field(default_factory=dict)  # what the browser would send as the page stands
    choices: dict[str, list[str]] = field(default_factory=dict)  # every value a checkbox, radio or select offers

    def set(self, **values: str | list[str]) -> "Form":
        for name, value in values.items():
            self.values[name] = value if isinstance(value, list) else [value]
        return self


class _Forms(HTMLParser):
    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url, self.forms, self.links = base_url, {}, []
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.base_url, a["href"]))
        elif tag == "form":
            self._form = Form(action=urljoin(self.base_url, a.get("action") or self.base_url),
                              method=(a.get("method") or "get").lower())
            self.forms[a.get("id") or f"form-{len(self.forms)}"] = self._form
        elif self._form is not None and a.get("name"):
            self._field(tag, a)
        elif tag == "option" and self._form is not None and self._select:
            self._option(a)

    def _field(self, tag: str, a: dict[str, str]) -> None:
        name, kind = a["name"], a.get("type", "text").lower()
        if tag == "input" and kind in ("checkbox", "radio"):
            self._form.choices.setdefault(name, []).append(a.get("value", "on"))
            if "checked" in a:
                self._form.values.setdefault(name, []).append(a.get("value", "on"))
        elif tag == "input" and kind not in ("submit", "button", "file", "image", "reset"):
            self._form.values.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self._form.values[name] = [""]

    def _option(self, a: dict[str, str]) -> None:
        self._form.choices.setdefault(self._select, []).append(a.get("value", ""))
        if "selected" in a or self._select not in self._form.values:
            self._form.values[self._select] = [a.get("value", "")]

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form.values[self._textarea][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


class Page:
    def __init__(self, response: requests.Response) -> None:
        self.response, self.html = response, response.text
        parsed = _Forms(response.url)
        parsed.feed(self.html)
        self.forms, self.links = parsed.forms, parsed.links

    def form(self, action_contains: str = "", *, form_id: str = "") -> Form:
        if form_id:
            return self.forms[form_id]
        found = [f for f in self.forms.values() if f.method == "post" and action_contains in f.action]
        assert found, f"no form posting to {action_contains!r} on {self.response.url}"
        return found[0]

    def link(self, pattern: str) -> str:
        found = [link for link in self.links if re.search(pattern, link)]
        assert found, f"no link matching {pattern!r} on {self.response.url}"
        return found[0]

    @property
    def csrf_token(self) -> str:
        return next(form.values["csrfmiddlewaretoken"][0] for form in self.forms.values()
                    if "csrfmiddlewaretoken" in form.values)


class Browser:
    """One person's browser on the public site, behind `balancer`."""

    def __init__(self, site_url: str, balancer: LoadBalancer) -> None:
        self.site_url = site_url
        self.session = requests.Session()
        self.session.mount(f"{site_url}/", balancer)
        self.session.headers["Origin"] = site_url  # what a browser sends with a form or fetch POST

    def url(self, path: str) -> str:
        return urljoin(self.site_url, path)

    def get(self, path: str, **kwargs) -> Page:
        response = self.session.get(self.url(path), timeout=60, **kwargs)
        assert response.status_code == 200, f"GET {path}: {response.status_code}\n{response.text[:2000]}"
        return Page(response)

    def submit(self, form: Form, *, files=None, json_answer: bool = False, csrf: str = "") -> requests.Response:
        headers = {"Referer": form.action}
        if json_answer:
            headers["Accept"] = "application/json"
        if csrf:
            headers["X-CSRFToken"] = csrf
        return self.session.post(form.action, data=form.values, files=files, headers=headers, timeout=60)

    def fetch_json(self, url: str, csrf: str, data: dict | None = None) -> requests.Response:
        """What the pages' scripts do: a POST with the page's CSRF token, answered in JSON."""
        return self.session.post(self.url(url), data=data or {}, timeout=60,
                                 headers={"X-CSRFToken": csrf, "Accept": "application/json"})

    @property
    def cookies(self):
        return self.session.cookies
