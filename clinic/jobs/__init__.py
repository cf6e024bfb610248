"""Background work on Huey: a scheduler tick that creates check-ins and sends reminders.

The queue lives in SQLite under ``instance/`` by default (nothing to install) and in Redis when
``JOBS_REDIS_URL`` is set, so several app servers and workers share it. Task arguments are ids
and times only: Huey stores and logs them, and client text must never reach either.
"""
