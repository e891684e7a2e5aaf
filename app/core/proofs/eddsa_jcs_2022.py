"""eddsa-jcs-2022 (VC-DI-EDDSA 1.0 §3.3): Ed25519 over JSON Canonicalization (RFC 8785).

- Transformation (§3.3.3): JCS of the document without ``proof``.
- Hashing (§3.3.4): SHA-256(JCS proof configuration) || SHA-256(JCS document).
- Proof configuration (§3.3.5): the proof options as they are (no @context is added).
- Create proof (§3.3.1): the proof itself carries the document's ``@context``; a proof made
  without one (ACA-Py) verifies over its options without one (§3.3.2 steps 2-6).
- Proof serialization (§3.3.6): Ed25519 signature, ``proofValue`` = ``z`` + base58btc.
"""

from __future__ import annotations

from app.core.proofs.data_integrity import (
    DATA_INTEGRITY_PROOF,
    Cryptosuite,
)
from app.core.proofs.signer import EDDSA
from app.core.vocabulary import DATA_INTEGRITY_V1, DATA_INTEGRITY_V2, VC_V2

EDDSA_JCS_2022 = Cryptosuite(
    name="eddsa-jcs-2022",
    proof_type=DATA_INTEGRITY_PROOF,
    canonicalization="jcs",
    algorithm=EDDSA,
    hash_name="sha256",
    contexts=(DATA_INTEGRITY_V2, VC_V2, DATA_INTEGRITY_V1),
    proof_has_context=True,
)
