"""Factories for test data; they go through the same services the app uses."""

import itertools

from clinic.auth import service as accounts
from clinic.couples import service as couples

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def make_therapist(email: str | None = None, is_admin: bool = False, password: str = PASSWORD):
    email = email or f"therapist{next(_sequence)}@example.org"
    return accounts.create_therapist(email, password, email.split("@")[0].title(), is_admin)


def make_couple(therapist, label: str | None = None, partners=None, notes: str = ""):
    partners = partners or [("Alex", "alex@example.org"), ("Sam", None)]
    return couples.create_couple(therapist, label or f"Couple {next(_sequence)}", partners, notes)


def sign_in(client, therapist, password: str = PASSWORD):
    response = client.post("/login", data={"email": therapist.email, "password": password})
    assert response.status_code == 302, "sign-in failed"
    return response
