"""Addresses of the app's pages for links stored or sent outside a request (notifications, My
work, calendar feeds, reminders from the worker), built from the route table so that a changed
route changes every link to it."""

from urllib.parse import quote

from flask import current_app


def path_for(endpoint: str, *, _anchor: str | None = None, **values) -> str:
    """The page's app-relative path, e.g. "/partnerships/3/reviews/7", like `url_for` but with
    only an application context: it needs no request and no SERVER_NAME, and gives the same path
    inside a request as outside one. Values the route does not take become the query string."""
    current_app.inject_url_defaults(endpoint, values)
    path = current_app.url_map.bind("").build(endpoint, values)
    return f"{path}#{quote(_anchor, safe='-_.~/')}" if _anchor else path
