"""VC Data Integrity 1.0: one engine for adding and verifying proofs.

The engine owns the algorithm (VC-DI §4.2 Add Proof, §4.3 Verify Proof, §4.4-4.5 proof sets and
chains); a cryptosuite is a ``Cryptosuite`` declaration naming its proof type, canonicalization,
hash and key algorithm. For every suite here the steps are those of VC-DI-EDDSA §3.2 (and
VC-DI-ECDSA §3.3, which has the same shape):

1. transform: canonicalize the document without ``proof`` (RDFC-1.0 N-Quads or JCS);
2. proof configuration: the proof options plus the document's ``@context`` (§3.2.5); for
   eddsa-jcs-2022 the proof options as they are (§3.3.5: the signer put the @context in the
   proof, §3.3.1, and the verifier never adds one);
3. hash: ``H(canonical proof configuration) || H(canonical document)`` (§3.2.4);
4. sign or verify the hash data; ``proofValue`` = multibase base58btc of the signature.

Invalid is an answer: ``verify_proof`` and ``verify`` return ``ProofCheck`` results with §4.7
error names (without the ``https://w3id.org/security#`` prefix). They raise only when the input
cannot be decided on (for instance a context that is not pinned, ``JsonLdError``).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import rfc8785

from app.core.jsonld import Canonicalizer, JsonLdProcessor
from app.core.multiformats import PublicKey, multibase_decode, multibase_encode
from app.core.proofs.signer import Signer, algorithm_of, verify_signature
from app.core.vocabulary import DATA_INTEGRITY_V2 as DATA_INTEGRITY_V2  # the proofs' context

JsonObject = dict[str, Any]

DATA_INTEGRITY_PROOF = "DataIntegrityProof"

# Error names of VC-DI §4.7 (plus KEY_NOT_FOUND for an unresolvable verification method).
PROOF_GENERATION_ERROR = "PROOF_GENERATION_ERROR"
PROOF_VERIFICATION_ERROR = "PROOF_VERIFICATION_ERROR"
PROOF_EXPIRED_ERROR = "PROOF_EXPIRED_ERROR"
MALFORMED_PROOF_ERROR = "MALFORMED_PROOF_ERROR"
INVALID_DOMAIN_ERROR = "INVALID_DOMAIN_ERROR"
INVALID_CHALLENGE_ERROR = "INVALID_CHALLENGE_ERROR"
KEY_NOT_FOUND = "KEY_NOT_FOUND"

_DATETIME = re.compile(r"-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(?P<tz>Z|[+-]\d{2}:\d{2})?")


class ProofError(ValueError):
    """A proof that cannot be created or read; ``code`` is its VC-DI §4.7 name."""

    code = PROOF_VERIFICATION_ERROR


class ProofGenerationError(ProofError):
    code = PROOF_GENERATION_ERROR


class MalformedProofError(ProofError):
    code = MALFORMED_PROOF_ERROR


class UnknownSuiteError(ProofError):
    """A proof type or cryptosuite this library does not implement."""


class KeyResolutionError(LookupError):
    """Raised by a key resolver: the verification method could not be turned into a key."""


@dataclass(frozen=True)
class Cryptosuite:
    """A cryptosuite declaration, consumed by ``DataIntegrityEngine``.

    ``name`` is the registry key: the ``cryptosuite`` value of a ``DataIntegrityProof``, or the
    proof type of a legacy suite. ``contexts`` are the context URLs that define the proof's terms
    (the first is appended to a document that has none of them when adding a proof).
    """

    name: str
    proof_type: str
    canonicalization: Literal["rdfc", "jcs"]
    algorithm: str
    contexts: tuple[str, ...]
    hash_name: str = "sha256"
    #: eddsa-jcs-2022 §3.3.1: the proof itself carries the document's @context.
    proof_has_context: bool = False

    @property
    def cryptosuite(self) -> str | None:
        """The ``cryptosuite`` property of the proof (None for legacy proof types)."""
        return self.name if self.proof_type == DATA_INTEGRITY_PROOF else None

    def digest(self, data: bytes) -> bytes:
        return hashlib.new(self.hash_name, data).digest()


@dataclass(frozen=True)
class ProofOptions:
    """Proof options (VC-DI §2.1). ``created`` defaults to now (UTC, seconds, ``Z``)."""

    verification_method: str
    proof_purpose: str = "assertionMethod"
    created: str | None = None
    challenge: str | None = None
    domain: str | None = None
    expires: str | None = None
    id: str | None = None
    previous_proof: str | list[str] | None = None
    include_created: bool = True


@dataclass(frozen=True)
class ProofCheck:
    """The outcome of verifying one proof: ``verified``, a stable ``code`` and a sentence."""

    verified: bool
    code: str | None
    message: str
    verification_method: str | None = None
    suite: str | None = None


def now_timestamp() -> str:
    """The current time as an XML Schema dateTimeStamp in UTC, whole seconds, ``Z``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_datetime(value: object, *, require_timezone: bool = False) -> datetime | None:
    """An aware datetime for an XML Schema dateTime (no zone = UTC), None when malformed."""
    if not isinstance(value, str):
        return None
    match = _DATETIME.fullmatch(value)
    if match is None or (require_timezone and match.group("tz") is None):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def find_suite(proof: Mapping[str, Any], suites: Mapping[str, Cryptosuite]) -> Cryptosuite:
    """The suite of a proof: by ``cryptosuite`` for DataIntegrityProof, else by ``type``."""
    proof_type = proof.get("type")
    if proof_type == DATA_INTEGRITY_PROOF:
        name = proof.get("cryptosuite")
        suite = suites.get(name) if isinstance(name, str) else None
        if suite is None or suite.proof_type != DATA_INTEGRITY_PROOF:
            raise UnknownSuiteError(f'unsupported cryptosuite "{name}"')
        return suite
    suite = suites.get(proof_type) if isinstance(proof_type, str) else None
    if suite is None or suite.proof_type != proof_type:
        raise UnknownSuiteError(f'unsupported proof type "{proof_type}"')
    return suite


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class DataIntegrityEngine:
    """Add and verify Data Integrity proofs for any declared cryptosuite."""

    _CONFIG_CACHE_SIZE = 1024

    def __init__(
        self,
        processor: JsonLdProcessor,
        canonicalizer: Canonicalizer,
        suites: Mapping[str, Cryptosuite] | None = None,
    ) -> None:
        if suites is None:
            from app.core.proofs import SUITES  # the package imports this module first

            suites = SUITES
        self.processor = processor
        self.canonicalizer = canonicalizer
        self.suites = suites
        # Proof configurations repeat within a second of batch issuance: memoize their hash,
        # keyed by their full JSON text (nothing that can change is left out of the key).
        self._config_hashes: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    # -- adding proofs (VC-DI §4.2) --------------------------------------------------------

    def add_proof(
        self,
        document: Mapping[str, Any],
        suite: Cryptosuite,
        signer: Signer,
        options: ProofOptions,
    ) -> JsonObject:
        """A new document with the proof added: ``proof`` becomes a list if one existed."""
        secured = self.with_suite_context(document, suite)
        proof = self.create_proof(secured, suite, signer, options)
        existing = secured.get("proof")
        if existing is None:
            secured["proof"] = proof
        else:
            secured["proof"] = [*_as_list(existing), proof]
        return secured

    def create_proof(
        self,
        document: Mapping[str, Any],
        suite: Cryptosuite,
        signer: Signer,
        options: ProofOptions,
    ) -> JsonObject:
        """The proof object for ``document`` (whose @context must define the proof's terms)."""
        if signer.algorithm != suite.algorithm:
            raise ProofGenerationError(
                f"{suite.name} signs with {suite.algorithm}, the signer for "
                f'"{signer.verification_method}" with {signer.algorithm}'
            )
        if not self._has_suite_context(document.get("@context"), suite):
            raise ProofGenerationError(
                f'the document @context must include "{suite.contexts[0]}" for {suite.name} '
                "proofs (add_proof appends it)"
            )
        proof = self._proof_options(suite, options)
        unsecured = self._unsecured(document)
        if options.previous_proof is not None:
            try:
                unsecured["proof"] = self._previous_proofs(document, options.previous_proof)
            except MalformedProofError as exc:
                raise ProofGenerationError(str(exc)) from None
        if suite.proof_has_context and "@context" in document:
            proof["@context"] = document["@context"]
        data = self.hash_data(unsecured, proof, suite)
        proof["proofValue"] = multibase_encode(signer.sign(data))
        return proof

    def with_suite_context(self, document: Mapping[str, Any], suite: Cryptosuite) -> JsonObject:
        """A shallow copy of ``document``, with the suite's context appended when missing."""
        copy = dict(document)
        context = document.get("@context")
        if context is not None and not self._has_suite_context(context, suite):
            copy["@context"] = [*_as_list(context), suite.contexts[0]]
        return copy

    def _proof_options(self, suite: Cryptosuite, options: ProofOptions) -> JsonObject:
        proof: JsonObject = {}
        if options.id is not None:
            proof["id"] = options.id
        proof["type"] = suite.proof_type
        if suite.cryptosuite is not None:
            proof["cryptosuite"] = suite.cryptosuite
        if options.include_created:
            created = options.created or now_timestamp()
            if parse_datetime(created, require_timezone=True) is None:
                raise ProofGenerationError(f'"created" must be a dateTimeStamp, not "{created}"')
            proof["created"] = created
        proof["verificationMethod"] = options.verification_method
        proof["proofPurpose"] = options.proof_purpose
        if options.expires is not None:
            if parse_datetime(options.expires, require_timezone=True) is None:
                raise ProofGenerationError(
                    f'"expires" must be a dateTimeStamp, not "{options.expires}"'
                )
            proof["expires"] = options.expires
        if options.domain is not None:
            proof["domain"] = options.domain
        if options.challenge is not None:
            proof["challenge"] = options.challenge
        if options.previous_proof is not None:
            proof["previousProof"] = options.previous_proof
        return proof

    def _previous_proofs(self, document: Mapping[str, Any], ids: str | list[str]) -> list[Any]:
        """The proofs a chained proof signs over (VC-DI §4.2 step 6, §4.5)."""
        wanted = _as_list(ids)
        found = [
            p
            for p in _as_list(document.get("proof"))
            if isinstance(p, dict) and p.get("id") in wanted
        ]
        if len(found) != len(wanted):
            raise MalformedProofError(f"previousProof {wanted} names proofs the document lacks")
        return found

    # -- transform, configure, hash (VC-DI-EDDSA §3.2.3-3.2.5) ------------------------------

    @staticmethod
    def _unsecured(document: Mapping[str, Any]) -> JsonObject:
        return {key: value for key, value in document.items() if key != "proof"}

    def hash_data(
        self, unsecured: Mapping[str, Any], proof: Mapping[str, Any], suite: Cryptosuite
    ) -> bytes:
        """``H(canonical proof configuration) || H(canonical document)`` (config hash first)."""
        config = self.proof_configuration(unsecured, proof, suite)
        return self._config_hash(config, suite) + suite.digest(self.transform(unsecured, suite))

    @staticmethod
    def proof_configuration(
        unsecured: Mapping[str, Any],
        proof: Mapping[str, Any],
        suite: Cryptosuite | None = None,
    ) -> JsonObject:
        """The proof options without ``proofValue``: for RDFC suites with the document's
        @context (VC-DI-EDDSA §3.2.5); for JCS suites exactly as they are (§3.3.5).

        eddsa-jcs-2022 puts the document's @context into the proof when creating it (§3.3.1),
        but a proof without one (ACA-Py's) was signed over options without one: adding it
        here would hash something the signer never signed.
        """
        config = {key: value for key, value in proof.items() if key != "proofValue"}
        if suite is not None and suite.proof_has_context:
            return config
        if "@context" in unsecured:
            config["@context"] = unsecured["@context"]
        return config

    def transform(self, document: Mapping[str, Any], suite: Cryptosuite) -> bytes:
        """The canonical form of a document for the suite: RDFC-1.0 N-Quads or JCS, UTF-8."""
        if suite.canonicalization == "jcs":
            return rfc8785.dumps(document)
        return self.canonicalizer.canonicalize(document).encode("utf-8")

    def _config_hash(self, config: Mapping[str, Any], suite: Cryptosuite) -> bytes:
        key = (suite.name, json.dumps(config, sort_keys=True, separators=(",", ":")))
        with self._lock:
            cached = self._config_hashes.get(key)
            if cached is not None:
                self._config_hashes.move_to_end(key)
                return cached
        digest = suite.digest(self.transform(config, suite))
        with self._lock:
            self._config_hashes[key] = digest
            if len(self._config_hashes) > self._CONFIG_CACHE_SIZE:
                self._config_hashes.popitem(last=False)
        return digest

    @staticmethod
    def _has_suite_context(context: Any, suite: Cryptosuite) -> bool:
        """True when the @context names a context defining the suite's proof terms.

        JCS without JSON-LD (no @context) needs none; an inline context object may define the
        terms itself, so it is given the benefit of the doubt.
        """
        if context is None:
            return suite.canonicalization == "jcs"
        items = _as_list(context)
        return any(item in suite.contexts for item in items if isinstance(item, str)) or any(
            isinstance(item, dict) for item in items
        )

    # -- verifying proofs (VC-DI §4.3-4.5) --------------------------------------------------

    def verify(
        self,
        document: Mapping[str, Any],
        resolve_key: Callable[[str, str], Any],
        *,
        expected_proof_purpose: str | None = None,
        domain: str | None = None,
        challenge: str | None = None,
        now: datetime | None = None,
    ) -> list[ProofCheck]:
        """Verify every proof of the document (an object or a proof set); one check each.

        ``resolve_key(verification_method, proof_purpose)`` returns the public key; when it
        raises ``KeyResolutionError`` the proof fails with ``KEY_NOT_FOUND``.
        """
        proofs = _as_list(document.get("proof"))
        if not proofs:
            return [ProofCheck(False, MALFORMED_PROOF_ERROR, "the document has no proof")]
        checks: list[ProofCheck] = []
        for proof in proofs:
            if not isinstance(proof, dict):
                checks.append(
                    ProofCheck(False, MALFORMED_PROOF_ERROR, "a proof must be a JSON object")
                )
                continue
            method = proof.get("verificationMethod")
            purpose = proof.get("proofPurpose")
            if not isinstance(method, str) or not isinstance(purpose, str):
                checks.append(
                    ProofCheck(
                        False,
                        MALFORMED_PROOF_ERROR,
                        'the proof needs "verificationMethod" and "proofPurpose" strings',
                    )
                )
                continue
            try:
                public_key = resolve_key(method, purpose)
            except KeyResolutionError as exc:
                checks.append(
                    ProofCheck(
                        False,
                        KEY_NOT_FOUND,
                        f'the verification method "{method}" could not be resolved: {exc}',
                        verification_method=method,
                    )
                )
                continue
            checks.append(
                self.verify_proof(
                    document,
                    proof,
                    public_key,
                    expected_proof_purpose=expected_proof_purpose,
                    domain=domain,
                    challenge=challenge,
                    now=now,
                )
            )
        return checks

    def verify_proof(
        self,
        document: Mapping[str, Any],
        proof: Mapping[str, Any],
        public_key: PublicKey,
        *,
        expected_proof_purpose: str | None = None,
        domain: str | None = None,
        challenge: str | None = None,
        now: datetime | None = None,
    ) -> ProofCheck:
        """Verify one proof of ``document`` with ``public_key`` (VC-DI §4.3)."""
        method = proof.get("verificationMethod")
        method = method if isinstance(method, str) else None
        if not isinstance(proof.get("type"), str):
            return ProofCheck(False, MALFORMED_PROOF_ERROR, 'the proof has no "type"', method)
        try:
            suite = find_suite(proof, self.suites)
        except UnknownSuiteError as exc:
            return ProofCheck(False, PROOF_VERIFICATION_ERROR, f"{exc}", method)

        def fail(code: str, message: str) -> ProofCheck:
            return ProofCheck(False, code, message, method, suite.name)

        problem = self._check_options(
            proof, suite, expected_proof_purpose, domain, challenge, now or datetime.now(UTC)
        )
        if problem is not None:
            return fail(*problem)
        if algorithm_of(public_key) != suite.algorithm:
            return fail(
                PROOF_VERIFICATION_ERROR,
                f'the key of "{method}" is not a {suite.algorithm} key as {suite.name} requires',
            )
        try:
            signature = multibase_decode(proof["proofValue"])
        except ValueError as exc:
            return fail(MALFORMED_PROOF_ERROR, f'"proofValue" is not multibase: {exc}')

        unsecured = self._unsecured(document)
        if "previousProof" in proof:
            try:
                unsecured["proof"] = self._previous_proofs(document, proof["previousProof"])
            except MalformedProofError as exc:
                return fail(MALFORMED_PROOF_ERROR, str(exc))
        if "@context" in proof:
            proof_context = _as_list(proof["@context"])
            if _as_list(document.get("@context"))[: len(proof_context)] != proof_context:
                return fail(
                    PROOF_VERIFICATION_ERROR,
                    "the proof's @context is not the start of the document's @context",
                )
            unsecured["@context"] = proof["@context"]
        if not self._has_suite_context(unsecured.get("@context"), suite):
            return fail(
                MALFORMED_PROOF_ERROR,
                f'the document @context does not include "{suite.contexts[0]}", '
                f"which defines {suite.name} proofs",
            )
        data = self.hash_data(unsecured, proof, suite)
        if not verify_signature(public_key, signature, data):
            return fail(
                PROOF_VERIFICATION_ERROR,
                f'the {suite.name} signature by "{method}" does not match the document',
            )
        return ProofCheck(True, None, f'valid {suite.name} proof by "{method}"', method, suite.name)

    @staticmethod
    def _check_options(
        proof: Mapping[str, Any],
        suite: Cryptosuite,
        expected_proof_purpose: str | None,
        domain: str | None,
        challenge: str | None,
        now: datetime,
    ) -> tuple[str, str] | None:
        """The first problem with the proof's properties, as (code, message), or None."""
        for name in ("verificationMethod", "proofPurpose", "proofValue"):
            if not isinstance(proof.get(name), str) or not proof[name]:
                return MALFORMED_PROOF_ERROR, f'the proof has no "{name}" string'
        if not proof["proofValue"].startswith("z"):
            return MALFORMED_PROOF_ERROR, '"proofValue" must be base58btc multibase ("z...")'
        if "created" in proof and parse_datetime(proof["created"]) is None:
            return MALFORMED_PROOF_ERROR, f'"created" is not a dateTime: {proof["created"]!r}'
        if "expires" in proof:
            expires = parse_datetime(proof["expires"])
            if expires is None:
                return MALFORMED_PROOF_ERROR, f'"expires" is not a dateTime: {proof["expires"]!r}'
            if expires < now:
                return PROOF_EXPIRED_ERROR, f"the proof expired at {proof['expires']}"
        if expected_proof_purpose is not None and proof["proofPurpose"] != expected_proof_purpose:
            return (
                PROOF_VERIFICATION_ERROR,
                f'the proof purpose is "{proof["proofPurpose"]}", '
                f'expected "{expected_proof_purpose}"',
            )
        if domain is not None and domain not in _as_list(proof.get("domain")):
            return INVALID_DOMAIN_ERROR, f'the proof is not bound to the domain "{domain}"'
        if challenge is not None and proof.get("challenge") != challenge:
            return INVALID_CHALLENGE_ERROR, "the proof does not carry the expected challenge"
        return None
