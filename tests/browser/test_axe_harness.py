"""The accessibility check every browser test relies on does fail on a page with a serious violation."""

import pytest

from .conftest import AxeAudit

pytestmark = pytest.mark.services

BAD_PAGE = """<!DOCTYPE html><html lang="en"><head><title>A form</title></head><body><main>
<h1>A form</h1><form><input type="text" name="unlabelled"></form></main></body></html>"""
GOOD_PAGE = """<!DOCTYPE html><html lang="en"><head><title>A form</title></head><body><main>
<h1>A form</h1><form><label for="n">Name</label><input id="n" type="text" name="n"></form></main></body></html>"""


@pytest.mark.parametrize("html, fails", [(BAD_PAGE, True), (GOOD_PAGE, False)])
def test_the_axe_audit_fails_a_page_with_an_unlabelled_field_and_passes_a_labelled_one(browser, html, fails):
    context = browser._browser.new_context()  # a plain context, audited by hand below
    try:
        audit = AxeAudit(context)
        page = context.new_page()
        page.route("http://pages.test/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                        body=html))
        page.goto("http://pages.test/form")
        if fails:
            with pytest.raises(AssertionError, match=r"http://pages.test/form: \[critical\] label"):
                audit.finish()
        else:
            audit.finish()
            assert audit.reported == {"http://pages.test/form": []}
    finally:
        context.close()
