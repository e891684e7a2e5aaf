"""Errors raised by the DID helpers.

Codes follow DID Resolution (``invalidDid``, ``methodNotSupported``, ``notFound``) and
CID 1.0 §3.3 / §5 for verification method retrieval (``INVALID_VERIFICATION_METHOD`` ...).
"""

from __future__ import annotations

#: DID Resolution error codes.
INVALID_DID = "invalidDid"
INVALID_DID_URL = "invalidDidUrl"
METHOD_NOT_SUPPORTED = "methodNotSupported"
NOT_FOUND = "notFound"
INVALID_DID_DOCUMENT = "invalidDidDocument"

#: CID 1.0 error codes for retrieving a verification method.
INVALID_VERIFICATION_METHOD_URL = "INVALID_VERIFICATION_METHOD_URL"
INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID = "INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID"
INVALID_VERIFICATION_METHOD = "INVALID_VERIFICATION_METHOD"
INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD = "INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD"


class KeyFormatError(ValueError):
    """A public key that cannot be expressed or read (unsupported type, bad JWK members)."""


class DIDResolutionError(ValueError):
    """A DID or verification method that could not be resolved; ``code`` names the cause."""

    def __init__(self, message: str, code: str = INVALID_DID) -> None:
        super().__init__(message)
        self.code = code
