"""Reading HTML answers in web tests: the page parsed, and what ``find`` found narrowed to the
element or text the test expects (bs4 types both loosely)."""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient


def fetch_html(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    """The page at ``url``, which must answer ``status``."""
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def only_element(found: object) -> Tag:
    """What ``find`` found, which must be an element (bs4 also types it as text or nothing)."""
    assert isinstance(found, Tag), found
    return found


def one_attr(element: Tag, name: str) -> str:
    """A single-valued attribute of ``element`` (bs4 types every attribute as maybe a list)."""
    value = element[name]
    assert isinstance(value, str), (name, value)
    return value
