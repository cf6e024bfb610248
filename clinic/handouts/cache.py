"""Finished PDFs kept in this process's memory, so that downloading an unchanged handout again
costs a template render and a hash instead of a WeasyPrint layout.

The key is a SHA-256 of the therapist's id and of everything the PDF is made from: the final
HTML (which holds every answer, note, date and label the PDF shows), its title, paper size and
number of copies. Any change to what is printed changes the HTML, so a changed handout never
meets an old entry; nothing needs invalidating by hand. The therapist's id in the key means an
entry never serves another therapist, even for byte-identical HTML (a blank worksheet).

Memory only, by choice: PDFs hold client text in the clear, and sealing them would cost a
Fernet pass over megabytes on every hit. Entries live in the web process that rendered them,
are never written to disk or Redis, and vanish with the process; the size is bounded (least
recently used first out) and so is their age (LIFETIME_SECONDS: a handout printed for a
session is downloaded again within minutes, and an erased couple's PDF must not linger);
``clear`` empties it at once. Each gunicorn worker has its own, so a repeat download that
reaches another worker renders once more there.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict

LIMIT_BYTES = 64 * 2**20  # per process; a long therapist copy is about 1 MiB
ENTRY_LIMIT_BYTES = 16 * 2**20  # a larger PDF is not kept: it would push out everything else
LIFETIME_SECONDS = 15 * 60


def key(owner: int, html: str, title: str, paper: str, copies: int, lang: str | None = None) -> str:
    """The cache key for one therapist's PDF made from exactly this input."""
    digest = hashlib.sha256()
    for part in (str(owner), title, paper, str(copies), lang or ""):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(html.encode("utf-8"))
    return digest.hexdigest()


class PdfCache:
    """A byte-bounded LRU of PDF bytes, safe to share between a process's threads."""

    def __init__(self, limit_bytes: int = LIMIT_BYTES, lifetime: float = LIFETIME_SECONDS):
        self.limit_bytes, self.lifetime = limit_bytes, lifetime
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, cache_key: str) -> bytes | None:
        now = time.monotonic()
        with self._lock:
            self._drop_old(now)
            entry = self._entries.get(cache_key)
            if entry is None or now - entry[0] > self.lifetime:
                self._drop(cache_key)
                return None
            self._entries.move_to_end(cache_key)
            return entry[1]

    def put(self, cache_key: str, data: bytes) -> None:
        if len(data) > min(ENTRY_LIMIT_BYTES, self.limit_bytes):
            return
        now = time.monotonic()
        with self._lock:
            self._drop(cache_key)
            self._entries[cache_key] = (now, data)
            self._size += len(data)
            self._drop_old(now)
            while self._size > self.limit_bytes:
                self._drop(next(iter(self._entries)))

    def _drop_old(self, now: float) -> None:
        """Drop expired entries from the least recently used end (``get`` checks its own)."""
        for cache_key, (stored_at, _) in list(self._entries.items()):
            if now - stored_at <= self.lifetime:
                break
            self._drop(cache_key)

    def _drop(self, cache_key: str) -> None:
        entry = self._entries.pop(cache_key, None)
        if entry is not None:
            self._size -= len(entry[1])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)


pdfs = PdfCache()
