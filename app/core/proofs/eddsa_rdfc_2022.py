"""eddsa-rdfc-2022 (VC-DI-EDDSA 1.0 §3.2): Ed25519 over RDFC-1.0 and SHA-256.

- Transformation (§3.2.3): RDFC-1.0 canonical N-Quads of the document without ``proof``.
- Hashing (§3.2.4): SHA-256(canonical proof configuration) || SHA-256(canonical document).
- Proof configuration (§3.2.5): the proof options with the document's ``@context``.
- Proof serialization (§3.2.6): Ed25519 signature, ``proofValue`` = ``z`` + base58btc.
- Keys (§2.1.1): Multikey with the ed25519-pub header (``z6Mk...``).

Open Badges 3.0 §8.3 requires this suite for embedded proofs.
"""

from __future__ import annotations

from app.core.proofs.data_integrity import (
    DATA_INTEGRITY_PROOF,
    Cryptosuite,
)
from app.core.proofs.signer import EDDSA
from app.core.vocabulary import DATA_INTEGRITY_V1, DATA_INTEGRITY_V2, VC_V2

EDDSA_RDFC_2022 = Cryptosuite(
    name="eddsa-rdfc-2022",
    proof_type=DATA_INTEGRITY_PROOF,
    canonicalization="rdfc",
    algorithm=EDDSA,
    hash_name="sha256",
    contexts=(DATA_INTEGRITY_V2, VC_V2, DATA_INTEGRITY_V1),
)
