"""Ed25519Signature2020 (VC-DI-EDDSA 1.0 Appendix; the legacy suite many wallets still hold).

The proof ``type`` is ``Ed25519Signature2020`` and there is no ``cryptosuite`` property. The
algorithm is that of eddsa-rdfc-2022: RDFC-1.0, SHA-256(proof config) || SHA-256(document),
Ed25519, ``proofValue`` = ``z`` + base58btc. The proof configuration's ``@context`` is the
document's, which must include the suite context below (it defines the proof's terms); adding
a proof appends it when missing.
"""

from __future__ import annotations

from app.core.proofs.data_integrity import Cryptosuite
from app.core.proofs.signer import EDDSA
from app.core.vocabulary import ED25519_2020_V1

ED25519_SIGNATURE_2020 = Cryptosuite(
    name="Ed25519Signature2020",
    proof_type="Ed25519Signature2020",
    canonicalization="rdfc",
    algorithm=EDDSA,
    hash_name="sha256",
    contexts=(ED25519_2020_V1,),
)
