"""Private safety check-ins: alerts for the therapist, answers never shown to the other partner.

Importing the package installs the guard that stores answers to private worksheets as
"for my therapist only" (clinic.safety.privacy).
"""

from clinic.safety import privacy  # noqa: F401 - registers the before_flush guard
