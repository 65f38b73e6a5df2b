"""Rendering pages: the Jinja2 environment, the chosen language, and HTML error pages.

Templates live in ``borderflow/web/templates`` and extend ``base.html``; every page gets
``t`` (a :class:`~borderflow.web.i18n.Translator`), ``lang``, the switch link to the other
language, and the current path. Error pages come in the chosen language and never carry
a traceback.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from borderflow import __version__
from borderflow.web.i18n import (
    COOKIE,
    LANGUAGE_COOKIE_SECONDS,
    LANGUAGES,
    Translator,
    choose_language,
)
from borderflow.web.severity import severity

log = logging.getLogger("borderflow.web")

#: The site's navigation: (section, path, i18n key). A capability that lands (staffing,
#: appraisal, plans, reports) adds its router to ``pages.router`` and one entry here.
NAV: list[tuple[str, str, str]] = [
    ("overview", "/", "nav.overview"),
    ("simulator", "/simulator", "nav.simulator"),
    ("staffing", "/staffing", "nav.staffing"),
    ("appraisal", "/appraisal", "nav.appraisal"),
    ("plans", "/plans", "nav.plans"),
]


def parse_iso(text: str) -> dt.datetime:
    """An ISO 8601 time with an offset or Z (as the forecast JSON writes them)."""
    return dt.datetime.fromisoformat(text)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=PackageLoader("borderflow.web", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["version"] = __version__
    env.globals["severity"] = severity
    env.globals["iso"] = parse_iso
    return env


def language(request: Request) -> str:
    """``?lang=es`` when the link says (a shareable Spanish page), else the cookie, else
    the browser's Accept-Language."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    return choose_language(request.cookies.get(COOKIE), request.headers.get("accept-language"))


def here(request: Request) -> str:
    """This page's path and query, for the language switch to come back to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` in the request's language."""
    lang = language(request)
    other = next(code for code in LANGUAGES if code != lang)
    html = environment().get_template(template).render(
        t=Translator(lang), lang=lang, other_lang=other, other_lang_name=LANGUAGES[other],
        switch_href=f"/lang/{other}?next={quote(here(request), safe='')}", path=request.url.path, nav=NAV,
        **context)
    response = HTMLResponse(html, status_code=status_code, headers={
        "Content-Language": lang, "Vary": "Cookie, Accept-Language", "Cache-Control": "no-cache"})
    if request.query_params.get("lang") == lang and request.cookies.get(COOKIE) != lang:
        # a reader who came by a link in a language stays in it as they go on (links, forms)
        response.set_cookie(COOKIE, lang, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", httponly=False)
    return response


def error_page(request: Request, status_code: int, message: str | None = None) -> HTMLResponse:
    """An error page: a title by status, the domain message when there is a safe one (a
    :class:`~borderflow.messages.Message` is said in the reader's language)."""
    t = Translator(language(request))
    if status_code == 404:
        title, text = t("error.404"), t("error.404_text")
    elif status_code >= 500:
        title = t("error.title")
        text = t("error.503_text") if status_code == 503 else t("error.500_text")
        message = None  # never show internals
    else:
        title, text = t("error.400"), ""
    return page(request, "error.html", status_code, title=title, text=text,
                message=t.message(message) if message else None, status=status_code)
