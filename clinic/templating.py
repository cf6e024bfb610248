"""Template helpers that make every page cheaper to render and leave its HTML as it was."""

from collections.abc import Callable

from flask import Flask, has_request_context, request

MAX_STATIC_URLS = 256  # files named by templates: a few dozen


def init_app(app: Flask) -> None:
    app.jinja_env.globals["url_for"] = _static_urls_kept(app.url_for)


def _static_urls_kept(url_for: Callable[..., str]) -> Callable[..., str]:
    """Flask's ``url_for`` for templates, with the URL of a static file built once per process
    for each script root (where the app is mounted) it is asked under: a client page names
    seven static files, and building each URL cost more than all of its translated texts."""
    kept: dict[tuple[str, str], str] = {}

    def template_url_for(endpoint: str, /, **values: object) -> str:
        filename = values.get("filename")
        if endpoint != "static" or len(values) != 1 or not isinstance(filename, str):
            return url_for(endpoint, **values)
        if not has_request_context():
            return url_for(endpoint, **values)
        key = (request.script_root, filename)
        url = kept.get(key)
        if url is None:
            url = url_for(endpoint, **values)
            if len(kept) < MAX_STATIC_URLS:
                kept[key] = url
        return url

    return template_url_for
