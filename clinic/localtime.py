"""Local time: stored moments stay UTC; people read them, and days are judged, in their zone.

A therapist chooses a time zone (``Therapist.time_zone``); a couple may have its own
(``Couple.time_zone``), else it follows its therapist's. Pages show moments in the page's
zone (:func:`set_page_zone`, else the signed-in therapist's, else UTC) through the Jinja
filters ``moment`` and ``local_day``, written the way the page's language writes dates
(Babel's CLDR data: "1 dic 2026" in Spanish); English keeps "1 Dec 2026, 18:30 PST". Zone
abbreviations stay as the zone database spells them. Due dates, "overdue", "until the due date"
and link expiry are judged by :func:`today_in` the couple's zone, never by the server's or
UTC's day.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_datetime_format
from flask import Flask, g, has_request_context
from flask_babel import get_locale
from flask_login import current_user

from clinic.storage import utcnow

DEFAULT_ZONE = "UTC"
# English as the app has always written it; other languages by CLDR skeletons (day, month
# as a word, year), so each reads as its speakers write dates.
ENGLISH_DAYS = {False: "d MMM y", True: "d MMMM y"}
DAY_SKELETONS = {False: "yMMMd", True: "yMMMMd"}


@cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this machine knows, sorted, for the settings menus."""
    return tuple(sorted(available_timezones() - {"localtime", "Factory"}))


def is_zone(name: str | None) -> bool:
    return bool(name) and name in zone_names()


def zone(name: str | None) -> ZoneInfo:
    """The zone by IANA name; UTC for a missing or unknown one (a hand-edited row, say)."""
    if name and is_zone(name):
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(DEFAULT_ZONE)


def couple_zone_name(couple) -> str:
    """The couple's own zone, else its therapist's, else UTC."""
    return couple.time_zone or couple.therapist.time_zone or DEFAULT_ZONE


def local(moment: datetime, zone_name: str | None) -> datetime:
    return moment.astimezone(zone(zone_name))


def today_in(zone_name: str | None, now: datetime | None = None) -> date:
    """Today's date where the zone is: the day due dates are judged by."""
    return local(now or utcnow(), zone_name).date()


def end_of_day(day: date, zone_name: str | None) -> datetime:
    """The last moment of a local day, in UTC (midnight that starts the next day, minus 1 µs)."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone(zone_name))
    return (next_midnight - timedelta(microseconds=1)).astimezone(UTC)


def week_end(zone_name: str | None, now: datetime | None = None) -> date:
    """The last day of "this week" for due work: today and the six days after it."""
    return today_in(zone_name, now) + timedelta(days=6)


# --- showing times --------------------------------------------------------------------------------


def set_page_zone(zone_name: str | None) -> None:
    """The zone this page's times are shown in (a client page: the couple's)."""
    g.page_zone = zone_name or DEFAULT_ZONE


def page_zone() -> str:
    if has_request_context():
        if "page_zone" in g:
            return g.page_zone
        if current_user.is_authenticated and current_user.time_zone:
            return current_user.time_zone
    return DEFAULT_ZONE


def _locale() -> Locale:
    """The page's language (clinic.i18n), or English outside a request (a worker, a test)."""
    return get_locale() or Locale("en")


def _day_text(day: date, long: bool, locale: Locale) -> str:
    if locale.language == "en":
        return format_date(day, ENGLISH_DAYS[long], locale=locale)
    return format_skeleton(DAY_SKELETONS[long], day, locale=locale)


def format_moment(moment: datetime | None, zone_name: str | None = None) -> str:
    """E.g. "1 Dec 2026, 18:30 PST": the zone's own abbreviation, so nobody has to guess."""
    if moment is None:
        return ""
    when = local(moment, zone_name or page_zone())
    locale = _locale()
    day_and_time = str(get_datetime_format("medium", locale=locale)).format(
        format_time(when, "HH:mm", locale=locale), _day_text(when.date(), False, locale)
    )
    return f"{day_and_time} {when:%Z}"


def format_day(moment: datetime | date | None, zone_name: str | None = None, long: bool = False):
    """The local date of a moment (a plain date is shown as it is), e.g. "1 Dec 2026"."""
    if moment is None:
        return ""
    day = local(moment, zone_name or page_zone()).date() if isinstance(moment, datetime) else moment
    return _day_text(day, long, _locale())


def init_app(app: Flask) -> None:
    app.add_template_filter(format_moment, "moment")
    app.add_template_filter(format_day, "local_day")
    app.add_template_global(page_zone, "page_zone")
    app.add_template_global(couple_zone_name, "couple_zone")
