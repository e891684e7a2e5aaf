"""API models of the LMS catalog: course runs, programs, learners.

Each entity's family (Base, Create, Update, table, Public) lives in its app.models module and
the input rules in app.models.fields; this module names what the catalog's API takes and
returns.
"""

from __future__ import annotations

from app.models.course import CourseCreate, CoursePublic, CourseUpdate
from app.models.fields import ElectiveGroup, check_program_courses, course_of_run
from app.models.learner import LearnerCreate, LearnerPublic, LearnerUpdate
from app.models.program import ProgramCreate, ProgramPublic, ProgramUpdate

__all__ = [
    "CourseCreate",
    "CoursePublic",
    "CourseUpdate",
    "ElectiveGroup",
    "LearnerCreate",
    "LearnerPublic",
    "LearnerUpdate",
    "ProgramCreate",
    "ProgramPublic",
    "ProgramUpdate",
    "check_program_courses",
    "course_of_run",
]
