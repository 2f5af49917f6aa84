"""A small iCalendar (RFC 5545) writer for the calendar feed: no dependency, only what the
feed needs.

- Lines end in CRLF and are folded at 75 octets (3.1): a longer line continues on the next
  one after a single space, and a UTF-8 character is never split.
- TEXT values escape backslash, semicolon, comma and line breaks (3.3.11).
- Timed events are written in UTC (``19980119T070000Z``, 3.3.5); all-day events as DATE
  values with an exclusive DTEND the next day (3.6.1).
- Every event has a UID that stays the same for the same meeting or deadline, so that a
  calendar client updates it instead of adding a copy, and a DTSTAMP (3.8.7.2).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

CRLF = "\r\n"
MAX_OCTETS = 75
PRODID = "-//Roundtable//Roundtable case management//EN"


def escape_text(value: str) -> str:
    """A TEXT value: ``\\`` ``;`` ``,`` escaped, every kind of line break as ``\\n``."""
    value = str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    # Other control characters are not allowed in TEXT (3.3.11): drop them.
    return "".join(ch for ch in value if ch == "\t" or ord(ch) >= 0x20 and ord(ch) != 0x7F)


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


def calendar(*, name: str, events: Iterable[Event], refresh_hours: int = 1) -> str:
    """The whole VCALENDAR as text, CRLF line endings, every line folded."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"REFRESH-INTERVAL;VALUE=DURATION:PT{refresh_hours}H",
        f"X-PUBLISHED-TTL:PT{refresh_hours}H",
    ]
    for event in events:
        lines += event.lines()
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
