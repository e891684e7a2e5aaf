"""Learner record share links: what a learner earned and their program progress, by link."""
