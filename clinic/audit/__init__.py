"""Audit log: who saw or changed client data, when and from where. See docs/security.md."""

from clinic.audit.service import CLIENT_LINK, SYSTEM, THERAPIST, record

__all__ = ["CLIENT_LINK", "SYSTEM", "THERAPIST", "record"]
