"""A partner's phone, seen from the server: the same requests the client page and its script make.

Used by the load and fault tests and by ``bench/client_load.py``. A request that gets no
answer at all (a killed worker, a dropped connection) reports status 0 instead of raising,
because the tests count such requests rather than stop on them.
"""

import http.client
import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from clinic.assignments import service as assignments
from clinic.couples import service as couples
from clinic.extensions import db
from clinic.worksheets.loader import builtin_library

_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
TIMEOUT = 60


def hidden_fields(html: str) -> dict[str, str]:
    """The worksheet form's hidden fields: CSRF token, revision and each item's base."""
    return dict(_HIDDEN.findall(html))


@dataclass
class Reply:
    status: int  # 0: no answer at all
    body: bytes = b""
    seconds: float = 0.0
    location: str | None = None

    @property
    def acknowledged(self) -> bool:
        return 200 <= self.status < 400

    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def autosave_form(fields: dict[str, str], answers: dict[str, str]) -> list[tuple[str, str]]:
    """The form body for ``answers``, from the hidden fields the page (or last save) gave."""
    form = [("csrf_token", fields["csrf_token"]), ("revision", fields["revision"])]
    for item_id, text in answers.items():
        base = fields.get(f"base.{item_id}", "")
        form += [("items", item_id), (f"base.{item_id}", base), (f"a.{item_id}", text)]
    return form


def adopt_autosave_reply(fields: dict[str, str], body: dict) -> None:
    """What static/client.js does with a 200: the next save starts from the stored answers."""
    fields["revision"] = str(body["revision"])
    for item_id, base in body["bases"].items():
        fields[f"base.{item_id}"] = base


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the server's acknowledgement of a form: report it rather than follow it."""

    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Phone:
    """One partner's browser: its own cookies, and the worksheet form as last rendered."""

    sheet_url: str
    fields: dict[str, str] = field(default_factory=dict)
    _opener: urllib.request.OpenerDirector = field(init=False, repr=False)

    def __post_init__(self):
        jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _KeepRedirects()
        )

    def request(self, url: str, form: dict | list | None = None) -> Reply:
        data = None if form is None else urllib.parse.urlencode(form, doseq=True).encode()
        started = time.perf_counter()
        try:
            with self._opener.open(url, data=data, timeout=TIMEOUT) as response:
                return Reply(response.status, response.read(), time.perf_counter() - started)
        except urllib.error.HTTPError as error:
            seconds = time.perf_counter() - started
            return Reply(error.code, error.read(), seconds, error.headers.get("Location"))
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError):
            return Reply(0, b"", time.perf_counter() - started)

    def open_sheet(self) -> Reply:
        """Load the worksheet page and keep its hidden fields (CSRF token, revision, bases)."""
        reply = self.request(self.sheet_url)
        if reply.status == 200:
            self.fields = hidden_fields(reply.text)
        return reply

    def _form(self, answers: dict[str, str]) -> list[tuple[str, str]]:
        return autosave_form(self.fields, answers)

    def autosave(self, answers: dict[str, str]) -> Reply:
        """What static/client.js posts while the partner types; adopts the new bases on success."""
        reply = self.request(f"{self.sheet_url}/autosave", self._form(answers))
        if reply.status == 200:
            adopt_autosave_reply(self.fields, reply.json())
        return reply

    def submit(self, answers: dict[str, str]) -> Reply:
        """Press "Send to my therapist" without JavaScript; sent, it redirects to the overview."""
        return self.request(self.sheet_url, [*self._form(answers), ("action", "submit")])


def couples_with_links(
    therapist, count: int, slug: str = "consent-check-in"
) -> list[tuple[int, str]]:
    """``count`` couples, each assigned ``slug``; returns (partner id, worksheet path) pairs.

    The raw tokens exist only here, as they would only in the links the therapist hands out.
    """
    worksheet = builtin_library()[slug]
    paths = []
    for number in range(count):
        couple = couples.create_couple(
            therapist, f"Load {number}", [(f"A{number}", None), (f"B{number}", None)]
        )
        _, issued = assignments.create_assignment(couple, [worksheet], link_days=14)
        paths += [(link.partner.id, f"/w/{link.token}/1") for link in issued]
    db.session.commit()  # services only flush; the servers under test read it from the database
    return paths
