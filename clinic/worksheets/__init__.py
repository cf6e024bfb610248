"""Worksheets: the definition format, loading, answers, form rendering and FHIR export.

See docs/worksheet-format.md. Import from the submodules (``loader``, ``answers``, ...).
"""
