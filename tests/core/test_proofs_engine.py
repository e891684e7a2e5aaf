"""The Data Integrity engine beyond the vectors: proof sets and chains, options, failures."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from app.core.jsonld import (
    Canonicalizer,
    ContextStore,
    FastCanonicalizer,
    JsonLdProcessor,
    PyldCanonicalizer,
    default_contexts_dir,
)
from app.core.multiformats import decode_multikey, decode_private_multikey, multibase_encode
from app.core.proofs import SUITES, suite_for_proof
from app.core.proofs.data_integrity import (
    DATA_INTEGRITY_V2,
    INVALID_CHALLENGE_ERROR,
    INVALID_DOMAIN_ERROR,
    KEY_NOT_FOUND,
    MALFORMED_PROOF_ERROR,
    PROOF_EXPIRED_ERROR,
    PROOF_VERIFICATION_ERROR,
    DataIntegrityEngine,
    KeyResolutionError,
    ProofCheck,
    ProofGenerationError,
    ProofOptions,
    UnknownSuiteError,
)
from app.core.proofs.signer import Ed25519Signer, P256Signer

VECTORS = Path(__file__).parents[1] / "vectors"
RDFC = json.loads((VECTORS / "vc-di-eddsa_eddsa-rdfc-2022.json").read_text())
JCS = json.loads((VECTORS / "vc-di-eddsa_eddsa-jcs-2022.json").read_text())
LEGACY = json.loads((VECTORS / "vc-di-eddsa_ed25519signature2020.json").read_text())
SPEC_PUBLIC = decode_multikey(RDFC["keyPair"]["publicKeyMultibase"])
SPEC_VM = RDFC["proofConfig"]["verificationMethod"]

_PROCESSOR = JsonLdProcessor(ContextStore.from_directory(default_contexts_dir()))
_CANONICALIZERS: dict[str, Canonicalizer] = {
    "fast": FastCanonicalizer(_PROCESSOR),
    "pyld": PyldCanonicalizer(_PROCESSOR),
}


@pytest.fixture(params=sorted(_CANONICALIZERS))
def engine(request: pytest.FixtureRequest) -> DataIntegrityEngine:
    return DataIntegrityEngine(_PROCESSOR, _CANONICALIZERS[request.param])


@pytest.fixture
def fast() -> DataIntegrityEngine:
    return DataIntegrityEngine(_PROCESSOR, _CANONICALIZERS["fast"])


class Keys:
    """A tiny key resolver over generated keys, by verification method id."""

    def __init__(self) -> None:
        self.keys: dict[str, Any] = {SPEC_VM: SPEC_PUBLIC}

    def ed25519(self, vm: str) -> Ed25519Signer:
        key = ed25519.Ed25519PrivateKey.generate()
        self.keys[vm] = key.public_key()
        return Ed25519Signer(key, vm)

    def p256(self, vm: str) -> P256Signer:
        key = ec.generate_private_key(ec.SECP256R1())
        self.keys[vm] = key.public_key()
        return P256Signer(key, vm)

    def __call__(self, vm: str, purpose: str) -> Any:
        try:
            return self.keys[vm]
        except KeyError:
            raise KeyResolutionError(f'no key "{vm}" is published') from None


def _verified(checks: list[ProofCheck]) -> list[bool]:
    return [check.verified for check in checks]


def _unsigned() -> dict[str, Any]:
    return copy.deepcopy(RDFC["unsigned"])


# -- ecdsa-rdfc-2019 -------------------------------------------------------------------------


def test_ecdsa_rdfc_2019_round_trip_and_tamper(engine: DataIntegrityEngine) -> None:
    keys = Keys()
    signer = keys.p256("did:example:issuer#p256")
    signed = engine.add_proof(
        _unsigned(), SUITES["ecdsa-rdfc-2019"], signer, ProofOptions(signer.verification_method)
    )
    proof = signed["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "ecdsa-rdfc-2019"
    assert proof["proofValue"].startswith("z")
    assert _verified(engine.verify(signed, keys)) == [True]

    tampered = copy.deepcopy(signed)
    tampered["validFrom"] = "2024-01-01T00:00:00Z"
    [check] = engine.verify(tampered, keys)
    assert (check.verified, check.code) == (False, PROOF_VERIFICATION_ERROR)


def test_p256_signatures_are_raw_r_s() -> None:
    signer = Keys().p256("did:example:issuer#p256")
    assert len(signer.sign(b"data")) == 64


def test_ecdsa_proof_with_ed25519_key_fails(fast: DataIntegrityEngine) -> None:
    keys = Keys()
    signer = keys.p256("did:example:issuer#p256")
    signed = fast.add_proof(
        _unsigned(), SUITES["ecdsa-rdfc-2019"], signer, ProofOptions(signer.verification_method)
    )
    check = fast.verify_proof(signed, signed["proof"], SPEC_PUBLIC)
    assert (check.verified, check.code) == (False, PROOF_VERIFICATION_ERROR)
    assert "ES256" in check.message


def test_signer_must_match_the_suite(fast: DataIntegrityEngine) -> None:
    signer = Keys().p256("did:example:issuer#p256")
    with pytest.raises(ProofGenerationError, match="eddsa-rdfc-2022 signs with EdDSA"):
        fast.add_proof(
            _unsigned(), SUITES["eddsa-rdfc-2022"], signer, ProofOptions(signer.verification_method)
        )


# -- proof sets, chains, existing proofs -----------------------------------------------------


def test_two_proofs_both_verify_and_one_bad_fails(engine: DataIntegrityEngine) -> None:
    keys = Keys()
    first = keys.ed25519("did:example:a#1")
    second = keys.p256("did:example:b#1")
    once = engine.add_proof(
        _unsigned(), SUITES["eddsa-rdfc-2022"], first, ProofOptions(first.verification_method)
    )
    twice = engine.add_proof(
        once, SUITES["ecdsa-rdfc-2019"], second, ProofOptions(second.verification_method)
    )

    assert isinstance(once["proof"], dict)
    assert isinstance(twice["proof"], list) and len(twice["proof"]) == 2
    assert twice["proof"][0] == once["proof"]
    checks = engine.verify(twice, keys)
    assert _verified(checks) == [True, True]
    assert [c.verification_method for c in checks] == ["did:example:a#1", "did:example:b#1"]

    bad = copy.deepcopy(twice)
    bad["proof"][1]["proofValue"] = once["proof"]["proofValue"]
    assert _verified(engine.verify(bad, keys)) == [True, False]


def test_add_proof_does_not_modify_its_input(fast: DataIntegrityEngine) -> None:
    document = _unsigned()
    before = copy.deepcopy(document)
    signer = Keys().ed25519("did:example:a#1")
    fast.add_proof(document, SUITES["eddsa-rdfc-2022"], signer, ProofOptions("did:example:a#1"))
    assert document == before


def test_proof_chain_with_previous_proof(fast: DataIntegrityEngine) -> None:
    keys = Keys()
    first = keys.ed25519("did:example:a#1")
    second = keys.ed25519("did:example:b#1")
    once = fast.add_proof(
        _unsigned(),
        SUITES["eddsa-rdfc-2022"],
        first,
        ProofOptions(first.verification_method, id="urn:uuid:proof-1"),
    )
    chained = fast.add_proof(
        once,
        SUITES["eddsa-rdfc-2022"],
        second,
        ProofOptions(
            second.verification_method, id="urn:uuid:proof-2", previous_proof="urn:uuid:proof-1"
        ),
    )
    assert chained["proof"][1]["previousProof"] == "urn:uuid:proof-1"
    assert _verified(fast.verify(chained, keys)) == [True, True]

    # the chained proof signed over the first one: changing it breaks both
    altered = copy.deepcopy(chained)
    altered["proof"][0]["created"] = "2001-01-01T00:00:00Z"
    assert _verified(fast.verify(altered, keys)) == [False, False]

    # dropping the first proof leaves the chain dangling
    dangling = {**chained, "proof": [chained["proof"][1]]}
    [check] = fast.verify(dangling, keys)
    assert (check.verified, check.code) == (False, MALFORMED_PROOF_ERROR)

    with pytest.raises(ProofGenerationError, match="previousProof"):
        fast.create_proof(
            once,
            SUITES["eddsa-rdfc-2022"],
            second,
            ProofOptions(second.verification_method, previous_proof="urn:x"),
        )


# -- what proofs in the wild look like --------------------------------------------------------


def test_proof_without_created(engine: DataIntegrityEngine) -> None:
    keys = Keys()
    signer = keys.ed25519("did:example:a#1")
    signed = engine.add_proof(
        _unsigned(),
        SUITES["eddsa-rdfc-2022"],
        signer,
        ProofOptions(signer.verification_method, include_created=False),
    )
    assert "created" not in signed["proof"]
    assert _verified(engine.verify(signed, keys)) == [True]


def test_rdfc_proof_with_its_own_context(engine: DataIntegrityEngine) -> None:
    """VC-DI-EDDSA §3.2.2 step 4: a proof @context is used and must start the document's."""
    keys = Keys()
    signed = copy.deepcopy(RDFC["signed"])
    signed["proof"]["@context"] = list(signed["@context"])
    assert _verified(engine.verify(signed, keys)) == [True]

    # a context appended to the document after signing: the proof's own @context governs
    signed["@context"] = [*signed["@context"], DATA_INTEGRITY_V2]
    assert _verified(engine.verify(signed, keys)) == [True]

    # not the start of the document's @context
    signed["proof"]["@context"] = ["https://www.w3.org/ns/credentials/examples/v2"]
    [check] = engine.verify(signed, keys)
    assert (check.verified, check.code) == (False, PROOF_VERIFICATION_ERROR)
    assert "@context" in check.message

    # a shorter prefix is allowed, but the document then canonicalizes differently
    signed["proof"]["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    [check] = engine.verify(signed, keys)
    assert (check.verified, check.code) == (False, PROOF_VERIFICATION_ERROR)
    assert "does not match" in check.message


def _sign_jcs_by_hand(
    document: dict[str, Any], options: dict[str, Any], key: ed25519.Ed25519PrivateKey
) -> dict[str, Any]:
    """eddsa-jcs-2022 by the spec's steps (VC-DI-EDDSA §3.3.1-3.3.6), not by the engine:
    SHA-256(JCS(options)) || SHA-256(JCS(document)), Ed25519, base58btc."""
    config_hash = hashlib.sha256(rfc8785.dumps(options)).digest()
    document_hash = hashlib.sha256(rfc8785.dumps(document)).digest()
    signature = key.sign(config_hash + document_hash)
    return {**document, "proof": {**options, "proofValue": multibase_encode(signature)}}


def test_jcs_proof_made_the_way_aca_py_makes_it(fast: DataIntegrityEngine) -> None:
    """ACA-Py 1.7: no ``created``, no ``@context`` in the proof; the options are hashed as
    they are (§3.3.5), the document's @context is not added to them."""
    keys = Keys()
    key = ed25519.Ed25519PrivateKey.generate()
    vm = "did:example:acapy#key-1"
    keys.keys[vm] = key.public_key()
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
    }
    signed = _sign_jcs_by_hand(copy.deepcopy(JCS["unsigned"]), options, key)
    assert "@context" not in signed["proof"] and "created" not in signed["proof"]
    assert _verified(fast.verify(signed, keys)) == [True]
    tampered = copy.deepcopy(signed)
    tampered["name"] = "Changed"
    assert _verified(fast.verify(tampered, keys)) == [False]
    # adding the document's @context to the proof afterwards changes what was signed
    added = copy.deepcopy(signed)
    added["proof"]["@context"] = added["@context"]
    assert _verified(fast.verify(added, keys)) == [False]


def test_jcs_proof_with_its_context_made_by_hand(fast: DataIntegrityEngine) -> None:
    """A proof carrying @context (§3.3.1 step 3): signed over the options with it; the
    document's @context must start with it (§3.3.2 step 4)."""
    keys = Keys()
    key = ed25519.Ed25519PrivateKey.generate()
    vm = "did:example:other#key-1"
    keys.keys[vm] = key.public_key()
    unsigned = copy.deepcopy(JCS["unsigned"])
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2024-05-01T10:00:00Z",
        "verificationMethod": vm,
        "proofPurpose": "assertionMethod",
        "@context": list(unsigned["@context"]),
    }
    signed = _sign_jcs_by_hand(unsigned, options, key)
    assert _verified(fast.verify(signed, keys)) == [True]
    # the proof's @context is used for the document: a context appended later is ignored
    appended = copy.deepcopy(signed)
    appended["@context"] = [*appended["@context"], DATA_INTEGRITY_V2]
    assert _verified(fast.verify(appended, keys)) == [True]
    # ... but a document whose @context does not start with the proof's fails
    swapped = copy.deepcopy(signed)
    swapped["@context"] = list(reversed(swapped["@context"]))
    [check] = fast.verify(swapped, keys)
    assert (check.verified, check.code) == (False, PROOF_VERIFICATION_ERROR)
    assert "@context" in check.message


def test_jcs_proof_with_and_without_its_context(fast: DataIntegrityEngine) -> None:
    keys = Keys()
    assert "@context" in JCS["signed"]["proof"]
    assert _verified(fast.verify(JCS["signed"], keys)) == [True]
    # the spec's proof was signed with its @context: without it the options differ
    bare = copy.deepcopy(JCS["signed"])
    del bare["proof"]["@context"]
    assert _verified(fast.verify(bare, keys)) == [False]
    other = copy.deepcopy(JCS["signed"])
    other["proof"]["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    assert _verified(fast.verify(other, keys)) == [False]
    tampered = copy.deepcopy(JCS["signed"])
    tampered["name"] = "Changed"
    assert _verified(fast.verify(tampered, keys)) == [False]


def test_jcs_plain_json_without_context(fast: DataIntegrityEngine) -> None:
    keys = Keys()
    signer = keys.ed25519("did:example:a#1")
    signed = fast.add_proof(
        {"hello": "world"},
        SUITES["eddsa-jcs-2022"],
        signer,
        ProofOptions(signer.verification_method),
    )
    assert "@context" not in signed and "@context" not in signed["proof"]
    assert _verified(fast.verify(signed, keys)) == [True]


def test_vc_1_1_document_gets_the_data_integrity_context(fast: DataIntegrityEngine) -> None:
    keys = Keys()
    signer = keys.ed25519("did:example:a#1")
    document = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:a",
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:s"},
    }
    signed = fast.add_proof(
        document, SUITES["eddsa-rdfc-2022"], signer, ProofOptions(signer.verification_method)
    )
    assert signed["@context"][-1] == DATA_INTEGRITY_V2
    assert _verified(fast.verify(signed, keys)) == [True]

    without = {**signed, "@context": document["@context"]}
    [check] = fast.verify(without, keys)
    assert (check.verified, check.code) == (False, MALFORMED_PROOF_ERROR)
    with pytest.raises(ProofGenerationError, match="data-integrity/v2"):
        fast.create_proof(
            document, SUITES["eddsa-rdfc-2022"], signer, ProofOptions(signer.verification_method)
        )


def test_legacy_suite_needs_its_context(fast: DataIntegrityEngine) -> None:
    keys = Keys()
    signed = copy.deepcopy(LEGACY["signed"])
    signed["@context"] = signed["@context"][:2]
    [check] = fast.verify(signed, keys)
    assert (check.verified, check.code) == (False, MALFORMED_PROOF_ERROR)
    assert "ed25519-2020" in check.message


# -- options and failures -------------------------------------------------------------------


def test_created_defaults_to_now_in_utc_seconds(fast: DataIntegrityEngine) -> None:
    signer = Keys().ed25519("did:example:a#1")
    proof = fast.create_proof(
        _unsigned(), SUITES["eddsa-rdfc-2022"], signer, ProofOptions(signer.verification_method)
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", proof["created"])
    assert proof["proofPurpose"] == "assertionMethod"
    assert list(proof) == [
        "type",
        "cryptosuite",
        "created",
        "verificationMethod",
        "proofPurpose",
        "proofValue",
    ]


def test_bad_created_is_refused_at_signing(fast: DataIntegrityEngine) -> None:
    signer = Keys().ed25519("did:example:a#1")
    with pytest.raises(ProofGenerationError, match="created"):
        fast.create_proof(
            _unsigned(),
            SUITES["eddsa-rdfc-2022"],
            signer,
            ProofOptions(signer.verification_method, created="yesterday"),
        )


def test_domain_challenge_expires(fast: DataIntegrityEngine) -> None:
    keys = Keys()
    signer = keys.ed25519("did:example:a#1")
    options = ProofOptions(
        signer.verification_method,
        proof_purpose="authentication",
        domain="https://verifier.example",
        challenge="c-123",
        expires="2030-01-01T00:00:00Z",
    )
    signed = fast.add_proof(_unsigned(), SUITES["eddsa-rdfc-2022"], signer, options)
    before = datetime(2029, 1, 1, tzinfo=UTC)
    after = datetime(2031, 1, 1, tzinfo=UTC)

    ok = fast.verify(
        signed,
        keys,
        domain="https://verifier.example",
        challenge="c-123",
        expected_proof_purpose="authentication",
        now=before,
    )
    assert _verified(ok) == [True]
    codes = {
        "domain": fast.verify(signed, keys, domain="https://other.example", now=before),
        "challenge": fast.verify(signed, keys, challenge="c-999", now=before),
        "expired": fast.verify(signed, keys, now=after),
        "purpose": fast.verify(signed, keys, expected_proof_purpose="assertionMethod", now=before),
    }
    assert {name: checks[0].code for name, checks in codes.items()} == {
        "domain": INVALID_DOMAIN_ERROR,
        "challenge": INVALID_CHALLENGE_ERROR,
        "expired": PROOF_EXPIRED_ERROR,
        "purpose": PROOF_VERIFICATION_ERROR,
    }
    tampered = copy.deepcopy(signed)
    tampered["proof"]["challenge"] = "c-999"
    assert _verified(fast.verify(tampered, keys, now=before)) == [False]


def test_unresolvable_key_is_a_failed_check(fast: DataIntegrityEngine) -> None:
    signed = copy.deepcopy(RDFC["signed"])
    signed["proof"]["verificationMethod"] = "did:example:gone#key-1"
    [check] = fast.verify(signed, Keys())
    assert (check.verified, check.code) == (False, KEY_NOT_FOUND)
    assert "did:example:gone#key-1" in check.message


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda p: p.pop("proofValue"), MALFORMED_PROOF_ERROR),
        (lambda p: p.update(proofValue="uAAAA"), MALFORMED_PROOF_ERROR),
        (lambda p: p.update(proofValue="z0OIl"), MALFORMED_PROOF_ERROR),
        (lambda p: p.update(created="last week"), MALFORMED_PROOF_ERROR),
        (lambda p: p.update(expires="soon"), MALFORMED_PROOF_ERROR),
        (lambda p: p.pop("proofPurpose"), MALFORMED_PROOF_ERROR),
        (lambda p: p.pop("type"), MALFORMED_PROOF_ERROR),
        (lambda p: p.update(cryptosuite="bbs-2023"), PROOF_VERIFICATION_ERROR),
        (lambda p: p.update(type="RsaSignature2018"), PROOF_VERIFICATION_ERROR),
        (lambda p: p.update(created="2023-02-24T23:36:39Z"), PROOF_VERIFICATION_ERROR),
    ],
)
def test_malformed_or_changed_proofs(fast: DataIntegrityEngine, change: Any, code: str) -> None:
    signed = copy.deepcopy(RDFC["signed"])
    change(signed["proof"])
    [check] = fast.verify(signed, Keys())
    assert (check.verified, check.code) == (False, code)
    assert check.message


def test_no_proof_or_non_object_proof(fast: DataIntegrityEngine) -> None:
    [check] = fast.verify(RDFC["unsigned"], Keys())
    assert (check.verified, check.code) == (False, MALFORMED_PROOF_ERROR)
    checks = fast.verify({**RDFC["signed"], "proof": [RDFC["signed"]["proof"], "x"]}, Keys())
    assert [(c.verified, c.code) for c in checks] == [(True, None), (False, MALFORMED_PROOF_ERROR)]


def test_suite_for_proof() -> None:
    assert suite_for_proof(RDFC["signed"]["proof"]).name == "eddsa-rdfc-2022"
    assert suite_for_proof(LEGACY["signed"]["proof"]).name == "Ed25519Signature2020"
    assert suite_for_proof(JCS["signed"]["proof"]).name == "eddsa-jcs-2022"
    with pytest.raises(UnknownSuiteError, match="bbs-2023"):
        suite_for_proof({"type": "DataIntegrityProof", "cryptosuite": "bbs-2023"})
    with pytest.raises(UnknownSuiteError, match="None"):
        suite_for_proof({"type": "DataIntegrityProof"})  # no cryptosuite
    with pytest.raises(UnknownSuiteError):
        suite_for_proof({"type": "eddsa-rdfc-2022"})  # a cryptosuite name is not a proof type
    assert set(SUITES) == {
        "eddsa-rdfc-2022",
        "eddsa-jcs-2022",
        "ecdsa-rdfc-2019",
        "Ed25519Signature2020",
    }


def test_signers_never_show_key_material() -> None:
    secret = RDFC["keyPair"]["privateKeyMultibase"]
    key = decode_private_multikey(secret)
    assert isinstance(key, ed25519.Ed25519PrivateKey)
    signer = Ed25519Signer(key, SPEC_VM)
    for text in (repr(signer), str(signer), f"{signer}"):
        assert secret not in text and secret[1:12] not in text
        assert "Ed25519Signer" in text and SPEC_VM in text
    assert not hasattr(signer, "__dict__")
    p256 = Keys().p256("did:example:a#p")
    assert "did:example:a#p" in repr(p256) and "Private" not in repr(p256)
    with pytest.raises(TypeError):
        Ed25519Signer(ec.generate_private_key(ec.SECP256R1()), "x")  # type: ignore[arg-type]
