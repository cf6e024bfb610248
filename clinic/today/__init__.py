"""The Today page: what needs the therapist's attention, and their time zone setting."""
