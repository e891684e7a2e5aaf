"""Embedded proofs: one Data Integrity engine and the cryptosuites it runs.

``SUITES`` maps a ``cryptosuite`` name (or, for the legacy suite, the proof ``type``) to its
declaration; ``suite_for_proof`` picks the suite of a proof object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.proofs.data_integrity import Cryptosuite, find_suite
from app.core.proofs.ecdsa_rdfc_2019 import ECDSA_RDFC_2019
from app.core.proofs.ed25519_signature_2020 import ED25519_SIGNATURE_2020
from app.core.proofs.eddsa_jcs_2022 import EDDSA_JCS_2022
from app.core.proofs.eddsa_rdfc_2022 import EDDSA_RDFC_2022

SUITES: dict[str, Cryptosuite] = {
    suite.name: suite
    for suite in (EDDSA_RDFC_2022, EDDSA_JCS_2022, ECDSA_RDFC_2019, ED25519_SIGNATURE_2020)
}


def suite_for_proof(proof: Mapping[str, Any]) -> Cryptosuite:
    """The suite of a proof object; ``UnknownSuiteError`` (a ValueError) when unsupported."""
    return find_suite(proof, SUITES)


__all__ = ["SUITES", "Cryptosuite", "suite_for_proof"]
