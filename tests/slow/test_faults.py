"""Faults in the middle of saves lose nothing that the server acknowledged to a partner."""

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from clinic.extensions import db
from clinic.models import Answer, Response
from tests import factories
from tests.helpers import make_app
from tests.slow.partners import Phone, couples_with_links

pytestmark = pytest.mark.slow
PARTNERS = 16
SAVES = 8
ATTEMPTS = 40  # per save; a partner's phone keeps trying, as static/client.js does
DRAFT_NUMBER = re.compile(r"Partner \d+, draft (\d+):")


class SavingPartners:
    """Partners who each autosave ``SAVES`` growing drafts, trying each again until acknowledged.

    Records, per partner, the last draft the server acknowledged and every request that got no
    answer or a 5xx, so that a test can check what was lost and that its fault really hit. Any
    other answer fails the test: a lost draft would also show as a conflict (409) on the next
    save, whose base would no longer match what is stored.
    """

    def __init__(self, server_url: str, partners: list[tuple[int, str]]):
        self.phones = {pid: Phone(server_url + path) for pid, path in partners}
        self.acknowledged: dict[int, int] = {}
        self.failed: list[int] = []
        self.done = 0
        self._lock = threading.Lock()

    @staticmethod
    def draft(partner_id: int, number: int) -> str:
        return f"Partner {partner_id}, draft {number}:" + " what I want to say." * 20

    def _save_all(self, partner_id: int) -> None:
        phone = self.phones[partner_id]
        for number in range(1, SAVES + 1):
            for _ in range(ATTEMPTS):
                if "csrf_token" not in phone.fields and phone.open_sheet().status != 200:
                    self._note_failure(0)
                    time.sleep(0.1)
                    continue
                reply = phone.autosave({"feels-good": self.draft(partner_id, number)})
                if reply.status == 200:
                    with self._lock:
                        self.acknowledged[partner_id] = number
                        self.done += 1
                    break
                assert reply.status == 0 or reply.status >= 500, reply.text
                self._note_failure(reply.status)
                time.sleep(0.1)
            else:
                raise AssertionError(f"partner {partner_id} could not save draft {number}")

    def _note_failure(self, status: int) -> None:
        with self._lock:
            self.failed.append(status)

    def run_with_faults(self, fault, cut_a_save_short, database_url: str) -> None:
        """Save concurrently and, while the saves go on, cause ``fault()`` up to five times.

        Right after each fault, every draft acknowledged before it must still be stored (or a
        later one). Faults stop once ``cut_a_save_short()`` says one hit a save in flight.
        """
        with ThreadPoolExecutor(len(self.phones)) as pool:
            saving = [pool.submit(self._save_all, pid) for pid in self.phones]
            for round_ in range(1, 6):
                self.wait_for_saves(len(self.phones) * round_)
                with self._lock:
                    acknowledged = dict(self.acknowledged)
                fault()
                time.sleep(0.3)
                self.assert_still_stored(acknowledged, database_url)
                if cut_a_save_short():
                    break
            for future in saving:
                future.result()

    def wait_for_saves(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while self.done < count and time.monotonic() < deadline:
            time.sleep(0.02)

    def stored_drafts(self, database_url: str) -> dict[int, int]:
        """The number of the draft stored for each partner."""
        with make_app(database_url).app_context():
            rows = db.session.execute(
                select(Response.partner_id, Answer.value)
                .join(Answer.response)
                .where(Answer.item_id == "feels-good")
            ).all()
            db.engine.dispose()
        return {pid: int(DRAFT_NUMBER.match(value).group(1)) for pid, value in rows}

    def assert_still_stored(self, acknowledged: dict[int, int], database_url: str) -> None:
        stored = self.stored_drafts(database_url)
        lost = {pid: n for pid, n in acknowledged.items() if stored.get(pid, 0) < n}
        assert not lost, f"acknowledged drafts lost (partner: draft): {lost}"

    def assert_all_saved(self, database_url: str) -> None:
        assert self.acknowledged == dict.fromkeys(self.phones, SAVES)
        assert self.stored_drafts(database_url) == dict.fromkeys(self.phones, SAVES)


def test_a_worker_killed_in_the_middle_of_saves_loses_nothing_acknowledged(
    app, database_url, therapist, serve
):
    server = serve(database_url, workers=2)
    partners = SavingPartners(server.url, couples_with_links(therapist, PARTNERS // 2))

    partners.run_with_faults(
        fault=server.kill_worker,  # SIGKILL; gunicorn's master starts a new worker
        cut_a_save_short=lambda: 0 in partners.failed,
        database_url=database_url,
    )

    assert 0 in partners.failed, "no save was in flight when a worker died"
    partners.assert_all_saved(database_url)


def test_a_postgresql_crash_during_saves_loses_nothing_acknowledged(private_postgres, serve):
    with make_app(private_postgres.url).app_context():
        paths = couples_with_links(factories.make_therapist(), PARTNERS // 2)
        db.engine.dispose()
    server = serve(private_postgres.url, workers=2)
    partners = SavingPartners(server.url, paths)

    partners.run_with_faults(
        fault=private_postgres.crash_restart,
        cut_a_save_short=lambda: bool(partners.failed),
        database_url=private_postgres.url,
    )

    assert partners.failed, "no save was under way when the database went down"
    partners.assert_all_saved(private_postgres.url)
