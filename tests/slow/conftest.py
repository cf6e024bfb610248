"""Fixtures for the load and fault tests: gunicorn servers and a private PostgreSQL cluster."""

from collections.abc import Iterator

import pytest

from tests.slow.servers import Gunicorn, PrivatePostgres, private_postgres_or_skip


@pytest.fixture
def serve():
    """``serve(database_url, workers=4)`` starts Tandem under gunicorn; stopped afterwards."""
    servers: list[Gunicorn] = []

    def start(database_url: str, workers: int = 4, **settings: str) -> Gunicorn:
        server = Gunicorn.tandem(database_url, workers, **settings)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A migrated database on a PostgreSQL cluster that this test alone may crash and restart."""
    yield from private_postgres_or_skip()
