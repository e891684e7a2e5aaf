"""Every JSON-LD context URL and spec namespace the service names, defined once.

A document names these URLs byte for byte (they are the keys of ``contexts/index.json``), so
each lives here and every other module imports it: a typo becomes an import error, not a
credential that fails verification elsewhere.
"""

from __future__ import annotations

# -- JSON-LD contexts -------------------------------------------------------------------------

#: VC Data Model 1.1 (https://www.w3.org/TR/vc-data-model/#contexts).
VC_V1 = "https://www.w3.org/2018/credentials/v1"
#: VC Data Model 2.0 §4.3 (https://www.w3.org/TR/vc-data-model-2.0/#contexts).
VC_V2 = "https://www.w3.org/ns/credentials/v2"
#: Open Badges 3.0 context, the version this service pins (OB 3.0 §B.1.1).
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: Open Badges 3.0 extensions context.
OB_V3P0_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
#: VC Data Integrity 1.0 (VC 1.1 documents need it; VC 2.0 includes its terms).
DATA_INTEGRITY_V1 = "https://w3id.org/security/data-integrity/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
#: The legacy Ed25519Signature2020 suite's context.
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"
#: Status List 2021 (VC 1.1 status lists; Bitstring Status List terms are in VC_V2).
STATUS_LIST_2021_V1 = "https://w3id.org/vc/status-list/2021/v1"
#: DID Core 1.0 §4.1 (DID documents).
DID_V1 = "https://www.w3.org/ns/did/v1"
#: Controlled Identifiers: Multikey verification methods.
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
#: JsonWebKey verification methods.
JWK_V1 = "https://w3id.org/security/jwk/v1"

# -- error type namespaces --------------------------------------------------------------------

#: VC Data Integrity §2.4 error types (``PROOF_VERIFICATION_ERROR``, ...).
SECURITY_ERRORS = "https://w3id.org/security#"
#: Bitstring Status List §3.5 error types (``STATUS_RETRIEVAL_ERROR``, ...).
STATUS_LIST_ERRORS = "https://www.w3.org/ns/credentials/status-list#"
#: VC Data Model 2.0 §7.2 error types (``MALFORMED_VALUE_ERROR``, ...).
VC_ERRORS = "https://www.w3.org/ns/credentials#"
#: VC Data Model 2.0 processing errors as the verifier reports them.
VC_DM_ERRORS = "https://www.w3.org/TR/vc-data-model#"
