"""Learner accounts: sign-in with the LMS, the learner's own pages, OAuth clients of the
OB 3.0 API."""
