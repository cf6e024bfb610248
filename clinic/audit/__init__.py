"""Audit log: who saw or changed client data, when and from where. See docs/security.md."""

from clinic.audit import receivers  # noqa: F401 - records the account events auth sends
from clinic.audit.service import CLIENT_LINK, SYSTEM, THERAPIST, record

__all__ = ["CLIENT_LINK", "SYSTEM", "THERAPIST", "record"]
