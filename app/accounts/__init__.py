"""Learner accounts: sign-in with the LMS, the learner's own pages, OB 3.0 API clients."""
