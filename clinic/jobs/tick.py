"""What one scheduler tick does. Every step claims its work through a unique row, so a retried
tick, or two workers ticking at once, never create or send anything twice."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError

from clinic import mail
from clinic.assignments import recurring, reminders
from clinic.assignments.service import why_no_email
from clinic.audit import service as audit
from clinic.extensions import db
from clinic.handouts import prepared

# A lost race: the unique row is already there (IntegrityError), or, on SQLite, another
# worker's write came first and this transaction's snapshot is stale (OperationalError).
LOST_RACE = (IntegrityError, OperationalError)


def run(now: datetime) -> None:
    create_check_ins(now)
    send_reminders(now)
    prepared.delete_expired(now)  # long PDFs an hour old: committed with the tick


def create_check_ins(now: datetime) -> None:
    """Create each due recurring check-in and deliver its links."""
    for schedule_id in recurring.active_schedule_ids():
        try:
            created = recurring.create_due_occurrence(schedule_id, now)
            if created is not None:
                _audit_check_in(created)
            # Background work commits per schedule (designed exception, clinic.transaction):
            # the check-in must exist before its links are e-mailed, and a lost race undoes
            # this schedule alone.
            db.session.commit()
        except LOST_RACE:
            db.session.rollback()
            continue
        if created is not None:
            _deliver(created)
            db.session.commit()  # background work: which links went out by e-mail


def _audit_check_in(created: recurring.CreatedOccurrence) -> None:
    repeat = created.occurrence.assignment
    assert repeat is not None
    audit.record("check_in_created", "assignment", repeat.id, couple_id=repeat.couple_id)
    for issued in created.issued:
        audit.record("link_created", "client_link", issued.link.id, couple_id=repeat.couple_id)


def _deliver(created: recurring.CreatedOccurrence) -> None:
    """E-mail each new link where the partner allows it; the rest wait for the therapist."""
    if not mail.mail_enabled():
        return
    emailed = []
    for issued in created.issued:
        partner = issued.partner
        if why_no_email(partner, True) is not None or not partner.email:
            continue
        therapist = partner.couple.therapist
        try:
            mail.send_link(partner.email, therapist.display_name, issued.url, partner.language)
        except mail.MailError:
            continue  # shown as "to hand over": the therapist issues a new link in person
        emailed.append(partner.id)
    created.occurrence.emailed_partner_ids = emailed


def send_reminders(now: datetime) -> None:
    """Claim each reminder that is due, then send every claimed one whose attempt is due."""
    for due in reminders.due_now(now):
        try:
            reminders.claim(due, now)
            db.session.commit()  # background work: the claim is stored before anything is sent
        except LOST_RACE:
            db.session.rollback()  # another worker claimed it
    db.session.commit()  # background work: end the read before claiming attempts one by one
    for row_id in reminders.waiting_ids(now):
        try:
            row = reminders.take_attempt(row_id, now)
            db.session.commit()  # background work: the attempt is claimed before sending
        except LOST_RACE:
            db.session.rollback()
            continue
        if row is None:
            continue
        therapist = row.assignment.couple.therapist
        email = row.partner.email or ""
        try:
            language = row.partner.language
            mail.send(mail.reminder_message(email, therapist.display_name, language))
            sent = True
        except mail.MailError:
            sent = False  # tried again with backoff; after the last attempt, on the Today page
        reminders.record_outcome(row, now, sent)
        if sent:
            audit.record(
                "reminder_sent",
                "partner",
                row.partner_id,
                couple_id=row.assignment.couple_id,
                detail=f"days_before={row.days_before}",
            )
        db.session.commit()  # background work: what became of this attempt
