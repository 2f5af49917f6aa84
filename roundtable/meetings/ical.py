"""A small iCalendar (RFC 5545) writer for the calendar feed: no dependency, only what the
feed needs.

- Lines end in CRLF and are folded at 75 octets (3.1): a longer line continues on the next
  one after a single space, and a UTF-8 character is never split.
- TEXT values escape backslash, semicolon, comma and line breaks (3.3.11).
- Timed events are written in UTC (``19980119T070000Z``, 3.3.5); all-day events as DATE
  values with an exclusive DTEND the next day (3.6.1).
- Every event has a UID that stays the same for the same meeting or deadline, so that a
  calendar client updates it instead of adding a copy, and a DTSTAMP (3.8.7.2).
- A calendar always holds at least one component (3.6: ``1*(eventc / … / timezonec …)``):
  the VTIMEZONE of the site's time zone, so that a feed with no event is still valid.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Roundtable//Roundtable case management//EN"


# Control characters other than tab are not allowed in TEXT (3.3.11); line breaks are
# escaped before this applies.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def escape_text(value: str) -> str:
    """A TEXT value: ``\\`` ``;`` ``,`` escaped, every kind of line break as ``\\n``,
    other control characters dropped."""
    value = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return _CONTROL.sub("", value)


def fold(line: str) -> str:
    """``line`` folded into pieces of at most 75 octets, joined by CRLF and one space."""
    data = line.encode("utf-8")
    if len(data) <= MAX_OCTETS:
        return line
    pieces = []
    start = 0
    limit = MAX_OCTETS
    while start < len(data):
        end = min(start + limit, len(data))
        # Back off to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start = end
        limit = MAX_OCTETS - 1  # continuation lines begin with a space, which counts
    return (CRLF + " ").join(pieces)


def format_utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: iCalendar times here are always UTC")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def format_date(day: date) -> str:
    return day.strftime("%Y%m%d")


@dataclass
class Event:
    uid: str
    dtstamp: datetime
    summary: str
    start: datetime | date
    end: datetime | date | None = None
    description: str = ""
    location: str = ""
    url: str = ""
    status: str = ""  # CONFIRMED, TENTATIVE or CANCELLED
    categories: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            "BEGIN:VEVENT",
            f"UID:{escape_text(self.uid)}",
            f"DTSTAMP:{format_utc(self.dtstamp)}",
        ]
        if isinstance(self.start, datetime):
            end = self.end or self.start + timedelta(hours=1)
            out += [f"DTSTART:{format_utc(self.start)}", f"DTEND:{format_utc(end)}"]
        else:
            end = self.end or self.start + timedelta(days=1)
            out += [
                f"DTSTART;VALUE=DATE:{format_date(self.start)}",
                f"DTEND;VALUE=DATE:{format_date(end)}",
                "TRANSP:TRANSPARENT",
            ]
        out.append(f"SUMMARY:{escape_text(self.summary)}")
        if self.description:
            out.append(f"DESCRIPTION:{escape_text(self.description)}")
        if self.location:
            out.append(f"LOCATION:{escape_text(self.location)}")
        if self.url:
            # A URI value, not TEXT: nothing to escape, but no line breaks either.
            out.append("URL:" + "".join(self.url.split()))
        if self.status:
            out.append(f"STATUS:{self.status}")
        if self.categories:
            out.append("CATEGORIES:" + ",".join(escape_text(c) for c in self.categories))
        out.append("END:VEVENT")
        return out


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


def timezone_lines(zone_name: str, *, year: int | None = None) -> list[str]:
    """A VTIMEZONE for ``zone_name`` (3.6.5) when its UTC offset does not change in ``year``
    and the next (Asia/Shanghai: +08:00 since 1991), else one for UTC, which is what every
    timed event here is written in. No event refers to it (TZID): it is there so that the
    calendar has a component when it has no event, and it names the portal's time zone."""
    zone = ZoneInfo(zone_name)
    year = year or datetime.now(UTC).year
    samples = [datetime(y, m, 1, 12, tzinfo=zone) for y in (year, year + 1) for m in (1, 4, 7, 10)]
    offsets = {s.utcoffset() for s in samples}
    if len(offsets) == 1:
        offset, tzid, tzname = offsets.pop(), zone_name, samples[0].tzname() or zone_name
    else:
        offset, tzid, tzname = timedelta(0), "UTC", "UTC"
    return [
        "BEGIN:VTIMEZONE",
        f"TZID:{escape_text(tzid)}",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        f"TZOFFSETFROM:{_offset(offset)}",
        f"TZOFFSETTO:{_offset(offset)}",
        f"TZNAME:{escape_text(tzname)}",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def text(lines: Iterable[str]) -> str:
    """``lines`` folded, each ending in CRLF."""
    return "".join(fold(line) + CRLF for line in lines)


def header(*, name: str, zone_name: str, year: int | None = None, refresh_hours: int = 1) -> str:
    """The start of a VCALENDAR, up to its first event: its properties and a VTIMEZONE."""
    return text(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            f"PRODID:{PRODID}",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            f"X-WR-CALNAME:{escape_text(name)}",
            f"REFRESH-INTERVAL;VALUE=DURATION:PT{refresh_hours}H",
            f"X-PUBLISHED-TTL:PT{refresh_hours}H",
            *timezone_lines(zone_name, year=year),
        ]
    )


def events_text(events: Iterable[Event]) -> str:
    return text(line for event in events for line in event.lines())


FOOTER = "END:VCALENDAR" + CRLF


def calendar(*, name: str, events: Iterable[Event], zone_name: str = "UTC") -> str:
    """The whole VCALENDAR as text, CRLF line endings, every line folded. (The feed streams
    the same pieces: ``header``, ``events_text`` per chunk, ``FOOTER``.)"""
    return header(name=name, zone_name=zone_name) + events_text(events) + FOOTER
