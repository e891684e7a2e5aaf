"""A running Laurel on a loopback port, an LMS that awards a course, and wallets with own keys.

The app is served by uvicorn over real HTTP; its base URL *is* the loopback address, so the
links in offers, the OID4VCI ``credential_issuer`` and key-proof ``aud`` are what a wallet
would really use. ``LiveLaurel.restart()`` stops the server and starts a new app over fresh
services (new engine, same database and key files) on the same address.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid as uuidlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from app.config import Settings
from app.container import build_services, prepare
from app.core.did.did_key import did_key_from_public_key
from app.core.jsonld import ContextStore, FastCanonicalizer, JsonLdProcessor
from app.core.proofs import SUITES
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofOptions
from app.core.proofs.signer import Ed25519Signer
from app.main import create_app
from app.models import IssuedCredential
from tests.factories import Factory
from tests.lms import Lms

CREDENTIALS_V1 = "https://www.w3.org/2018/credentials/v1"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveLaurel:
    def __init__(self, engine: Engine, tmp_path: Path) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.settings = Settings(
            base_url=self.base_url,
            database_url=engine.url.render_as_string(False),
            keys_dir=tmp_path / "keys",
        )
        self.services = build_services(self.settings, engine)
        self._own_engines: list[Engine] = []
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self.http = httpx.Client(base_url=self.base_url, timeout=60)

    def start(self) -> None:
        prepare(self.services)
        config = uvicorn.Config(
            create_app(self.settings, self.services),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=15)
        self.server = self.thread = None

    def restart(self) -> None:
        """A new process, as far as the app can tell: new services, new engine, same DB."""
        self.stop()
        self.services = build_services(self.settings)  # its own engine from the URL
        self._own_engines.append(self.services.engine)
        self.start()

    def close(self) -> None:
        self.stop()
        self.http.close()
        for engine in self._own_engines:
            engine.dispose()

    def count_credentials(self) -> int:
        with Session(self.services.engine) as session:
            return session.exec(select(func.count()).select_from(IssuedCredential)).one()

    def verify(self, credential: Any) -> dict[str, Any]:
        """The app's own VC-API verifier, over HTTP (JSON-LD object or VC-JWT string)."""
        response = self.http.post("/credentials/verify", json={"verifiableCredential": credential})
        # 200 verified, 400 with the same report when not (the VC-API suites' convention)
        assert response.status_code == (200 if response.json()["verified"] else 400), response.text
        return response.json()  # type: ignore[no-any-return]


class TestWallet:
    """A holder with its own Ed25519 did:key, playing a wallet app."""

    __test__ = False

    def __init__(self, contexts_dir: Path, http: httpx.Client) -> None:
        self.key = ed25519.Ed25519PrivateKey.generate()
        self.did = did_key_from_public_key(self.key.public_key())
        self.vm = f"{self.did}#{self.did.removeprefix('did:key:')}"
        processor = JsonLdProcessor(ContextStore.from_directory(contexts_dir))
        self.engine = DataIntegrityEngine(processor, FastCanonicalizer(processor))
        self.http = http

    # -- DID authentication (LCW, VC-API) ----------------------------------------------

    def did_auth(
        self,
        challenge: str,
        *,
        suite: str = "Ed25519Signature2020",
        domain: str | None = None,
        holder: str | None = None,
        signing_key: ed25519.Ed25519PrivateKey | None = None,
        verification_method: str | None = None,
    ) -> dict[str, Any]:
        """What LCW's ``vc.signPresentation`` makes: an empty VP with an authentication proof."""
        legacy = suite == "Ed25519Signature2020"
        presentation = {
            "@context": [CREDENTIALS_V1 if legacy else CREDENTIALS_V2],
            "type": ["VerifiablePresentation"],
            "holder": holder or self.did,
        }
        vm = verification_method or self.vm
        signer = Ed25519Signer(signing_key or self.key, vm)
        options = ProofOptions(
            verification_method=vm,
            proof_purpose="authentication",
            challenge=challenge,
            domain=domain,
        )
        return self.engine.add_proof(presentation, SUITES[suite], signer, options)

    # -- OID4VCI -------------------------------------------------------------------------

    def key_proof(
        self,
        audience: str,
        nonce: str | None,
        *,
        signing_key: ed25519.Ed25519PrivateKey | None = None,
        header: dict[str, Any] | None = None,
        iat: int | None = None,
    ) -> str:
        claims: dict[str, Any] = {"aud": audience, "iat": iat or int(time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        headers = {"typ": "openid4vci-proof+jwt", "kid": self.vm, **(header or {})}
        return jwt.encode(claims, signing_key or self.key, algorithm="EdDSA", headers=headers)

    def fetch_offer(self, deep_link: str) -> dict[str, Any]:
        """``openid-credential-offer://?credential_offer_uri=...`` → the offer object."""
        parts = urlsplit(deep_link)
        assert parts.scheme == "openid-credential-offer"
        uri = parse_qs(parts.query)["credential_offer_uri"][0]
        response = self.http.get(uri)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        return response.json()  # type: ignore[no-any-return]

    def token(self, offer: dict[str, Any], tx_code: str | None = None) -> httpx.Response:
        grant = offer["grants"][PRE_AUTH]
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": grant["pre-authorized_code"]}
        if tx_code is not None:
            form["tx_code"] = tx_code
        metadata = self.http.get(
            f"{offer['credential_issuer']}/.well-known/oauth-authorization-server"
        ).json()
        return self.http.post(metadata["token_endpoint"], data=form)

    def nonce(self, issuer: str) -> str:
        metadata = self.http.get(f"{issuer}/.well-known/openid-credential-issuer").json()
        response = self.http.post(metadata["nonce_endpoint"])
        assert response.status_code == 200, response.text
        assert "no-store" in response.headers["cache-control"]
        return response.json()["c_nonce"]  # type: ignore[no-any-return]

    def credential(self, issuer: str, access_token: str, body: dict[str, Any]) -> httpx.Response:
        metadata = self.http.get(f"{issuer}/.well-known/openid-credential-issuer").json()
        return self.http.post(
            metadata["credential_endpoint"],
            json=body,
            headers={"Authorization": f"Bearer {access_token}"},
        )


@pytest.fixture
def live(engine: Engine, tmp_path: Path) -> Iterator[LiveLaurel]:
    server = LiveLaurel(engine, tmp_path)
    server.start()
    yield server
    server.close()


@pytest.fixture
def lms(live: LiveLaurel) -> Lms:
    """The LMS integration, over the same real HTTP as the wallets."""
    factory = Factory(live.services, live.http)  # type: ignore[arg-type]
    lms = Lms(factory, factory.caller("acme"))
    lms.course()
    return lms


@pytest.fixture
def wallet(live: LiveLaurel) -> TestWallet:
    return TestWallet(live.settings.contexts_dir, live.http)


@pytest.fixture
def other_wallet(live: LiveLaurel) -> TestWallet:
    return TestWallet(live.settings.contexts_dir, live.http)


def award(lms: Lms, holder_did: str | None = None) -> str:
    """A course certificate for a new learner (bound to ``holder_did`` if given); its uuid."""
    event = lms.grade_event(learner=f"u-{uuidlib.uuid4().hex[:8]}")
    if holder_did is not None:
        event["learner"]["holder_did"] = holder_did
    response = lms.post("/grades", event)
    assert response.status_code == 201, response.text
    return response.json()["credential"]["uuid"]  # type: ignore[no-any-return]


def make_offer(lms: Lms, uuid: str, **body: Any) -> dict[str, Any]:
    response = lms.client.post(f"/api/v1/credentials/{uuid}/offers", json=body, headers=lms.headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def lcw_params(link: str) -> dict[str, str]:
    """What LCW reads from ``https://lcw.app/request.html?...`` (one value per name)."""
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "lcw.app", "/request.html")
    return {name: values[0] for name, values in parse_qs(parts.query).items()}
