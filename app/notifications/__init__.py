"""E-mail to learners through a transactional outbox (awards, revocations, expiry reminders)."""
