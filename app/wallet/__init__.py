"""Into the learner's wallet: one-time claim offers, holder binding, and the two protocols
that deliver a bound credential (the VC-API exchange the Learner Credential Wallet speaks, and
OpenID for Verifiable Credential Issuance 1.0 with the pre-authorized code flow)."""
