"""Open edX course run keys (opaque-keys ``CourseLocator``): ``course-v1:ORG+COURSE+RUN``,
and the older slash form ``ORG/COURSE/RUN``. The ``ORG`` part (here ``code``, to keep it apart
from Laurel's organizations) says which organization owns the run."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import InvalidInput

#: opaque-keys allows letters, digits and ``-_.~%`` (and ``:`` in RUN) in each part.
_PART = r"[\w\-~.:%]+"
_NEW = re.compile(rf"^course-v1:({_PART})\+({_PART})\+({_PART})$")
_OLD = re.compile(rf"^({_PART})/({_PART})/({_PART})$")
#: opaque-keys' ``CCXLocator``: a custom course (CCX) run inside a master course run.
_CCX = re.compile(rf"^ccx-v1:{_PART}\+{_PART}\+{_PART}\+ccx@\d+$")


@dataclass(frozen=True)
class CourseKey:
    code: str
    course: str
    run: str
    key: str

    @property
    def course_key(self) -> str:
        """What programs name, as the catalog derives it: ``CODE+COURSE``."""
        return f"{self.code}+{self.course}"


def parse_course_key(value: str, field: str = "course_run_key") -> CourseKey:
    """The parts of a course run key; anything else is a 422 naming ``field``."""
    text = value.strip() if isinstance(value, str) else ""
    if _CCX.match(text):
        # Not supported (docs/connect-openedx.md): a CCX has no certificate configuration of
        # its own in the catalog. A 4xx: the LMS's Celery task gives up after its retries.
        raise InvalidInput(
            f'"{field}" names a CCX course run (ccx-v1:...), which Laurel does not certify',
            field=field,
        )
    match = _NEW.match(text) or _OLD.match(text)
    if match is None or len(text) > 255:
        raise InvalidInput(
            f'"{field}" is not an Open edX course run key (course-v1:ORG+COURSE+RUN)', field=field
        )
    code, course, run = match.groups()
    return CourseKey(code, course, run, text)
