"""What each kind of job builds. The app that owns the work registers a builder (in its
AppConfig.ready); this app knows no other app, it only runs what was registered.

A builder is called as ``build(owner=user, params=dict, out=binary_file, progress=callable)``:
it checks what ``owner`` may see at run time, writes the whole file to ``out`` and calls
``progress(done, total)`` as often as it likes (the runner stores it at most once a second).
An exception marks the job failed.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    name: str
    build: Callable[..., None]
    filename: Callable[[dict], str]  # the download's name, decided when the job starts
    content_type: str
    title: object  # what the job page calls it (a lazy translation)


_KINDS: dict[str, JobKind] = {}


def register(
    name: str,
    *,
    build: Callable[..., None],
    filename: Callable[[dict], str],
    content_type: str,
    title: object,
) -> None:
    _KINDS[name] = JobKind(name, build, filename, content_type, title)


def kind(name: str) -> JobKind:
    """The registered kind; KeyError for one no app registered."""
    return _KINDS[name]
