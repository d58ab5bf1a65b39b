"""Links whose percent-escapes JavaScript's ``decodeURIComponent`` rejects are repaired by the
server (``viewer.serve.query``); links that decode are left exactly as they are."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import urljoin

import pytest

from viewer.serve.query import repaired_query


@pytest.mark.parametrize("query,fixed", [
    ("sel=%", "sel=%25"),
    ("cam=%%%", "cam=%25%25%25"),
    ("quiz_seed=%E0%A4%A", "quiz_seed=%EF%BF%BD%25A"),
    ("x=%G1&sel=gmed_middle", "x=%25G1&sel=gmed_middle"),
    ("%=1", "%25=1"),
])
def test_broken_escapes_are_escaped_again(query, fixed):
    assert repaired_query(query) == fixed


@pytest.mark.parametrize("query", [
    "sel=gmed_middle&flex=20", "cam=1,2,3,4,5,6,7,8,9", "sel=%25", "a=%41%42", "name=%C3%A9", "flag", "",
])
def test_links_that_decode_are_left_alone(query):
    assert repaired_query(query) is None


def test_the_server_redirects_a_broken_link_to_the_repaired_one(viewer_url):
    """Against the served viewer (a process of its own, as a user meets it)."""
    url = viewer_url.split("?")[0].rstrip("/") + "/"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open(url + "?sel=%&flex=20", timeout=30)
    assert info.value.code == 302
    assert urljoin(url, info.value.headers["Location"]) == url + "?sel=%25&flex=20"
    with opener.open(url + "?sel=%25&flex=20", timeout=60) as response:  # a good link: the page
        assert response.status == 200
