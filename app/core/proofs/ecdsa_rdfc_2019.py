"""ecdsa-rdfc-2019 (VC-DI-ECDSA 1.0 §3.3) with P-256 keys and SHA-256.

- Transformation (§3.3.3): RDFC-1.0 canonical N-Quads of the document without ``proof``.
- Hashing (§3.3.4): SHA-256(canonical proof configuration) || SHA-256(canonical document).
- Proof configuration (§3.3.5): the proof options with the document's ``@context``.
- Proof serialization (§3.3.6): ECDSA P-256 with SHA-256 over the hash data, as raw
  ``r || s`` (64 bytes); ``proofValue`` = ``z`` + base58btc.
- Keys (§2.1.1): Multikey with the p256-pub header and a compressed point (``zDn...``).

P-384 (SHA-384) is also allowed by the spec; this service does not issue or accept it.
"""

from __future__ import annotations

from app.core.proofs.data_integrity import (
    DATA_INTEGRITY_PROOF,
    Cryptosuite,
)
from app.core.proofs.signer import ES256
from app.core.vocabulary import DATA_INTEGRITY_V1, DATA_INTEGRITY_V2, VC_V2

ECDSA_RDFC_2019 = Cryptosuite(
    name="ecdsa-rdfc-2019",
    proof_type=DATA_INTEGRITY_PROOF,
    canonicalization="rdfc",
    algorithm=ES256,
    hash_name="sha256",
    contexts=(DATA_INTEGRITY_V2, VC_V2, DATA_INTEGRITY_V1),
)
