"""Plain SMTP for client links (the link and the therapist's name, no more) and for notices to
the practice's administrators.

A partner's mailbox may be read by someone else, so the subject and body name no worksheet,
no topic and no partner. Nothing here logs addresses or message text. A message speaks the
language in force where it is built: the request's, or ``flask_babel.force_locale(code)``
around the call (a worker writing to a partner in their language).
"""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from flask_babel import gettext

SMTP_TIMEOUT_SECONDS = 15


class MailError(Exception):
    """The message could not be handed to the mail server; the text can be shown as it is."""


def mail_enabled() -> bool:
    return bool(current_app.config["SMTP_HOST"])


def link_message(to_address: str, therapist_name: str, url: str) -> EmailMessage:
    return _message(
        to_address,
        gettext("A link from %(therapist)s", therapist=therapist_name),
        gettext(
            "Hello,\n\n%(therapist)s sent you this personal link:\n\n%(url)s\n\n"
            "Please keep it to yourself and open it on a device only you use.\n",
            therapist=therapist_name,
            url=url,
        ),
    )


def reminder_message(to_address: str, therapist_name: str) -> EmailMessage:
    """A reminder names nothing but the therapist, and carries no link: links are stored only
    as hashes, so the partner is asked to use the one they were given, or to ask for a new one."""
    return _message(
        to_address,
        gettext("A reminder from %(therapist)s", therapist=therapist_name),
        gettext(
            "Hello,\n\nThis is a gentle reminder from %(therapist)s: when you have a quiet "
            "moment, please open the personal link you were given.\n\n"
            "If you cannot find it, ask %(therapist)s for a new one.\n",
            therapist=therapist_name,
        ),
    )


def send_link(to_address: str, therapist_name: str, url: str) -> None:
    """Send one link by SMTP as configured (SMTP_HOST, SMTP_PORT, SMTP_STARTTLS, login)."""
    send(link_message(to_address, therapist_name, url))


def notice_message(to_address: str, subject: str, body: str) -> EmailMessage:
    """A message to a member of the practice (an administrator), never to a client."""
    return _message(to_address, subject, body)


def _message(to_address: str, subject: str, body: str) -> EmailMessage:
    """Every message Tandem sends: from MAIL_FROM, with a Message-ID of the sender's domain."""
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to_address
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(body)
    return message


def send(message: EmailMessage) -> None:
    """Hand one message to the configured mail server; failures raise :class:`MailError`."""
    config = current_app.config
    if not mail_enabled():
        raise MailError(gettext("E-mail is not set up for this practice."))
    try:
        with smtplib.SMTP(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=SMTP_TIMEOUT_SECONDS
        ) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused:
        raise MailError(gettext("The mail server refused this address.")) from None
    except smtplib.SMTPAuthenticationError:
        raise MailError(gettext("The mail server did not accept the configured login.")) from None
    except (smtplib.SMTPException, OSError):
        raise MailError(
            gettext("The mail server could not be reached. Please try again later.")
        ) from None
