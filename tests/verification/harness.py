"""A third-party issuer for tests: a real HTTPS server on 127.0.0.1 with its own CA and keys.

It publishes a did:web document, status lists and key documents the way another standards-
following issuer would; credentials are signed here with keys independent of Laurel's.
"""

from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from app.core.did.document import jwk_from_public_key
from app.core.multiformats import encode_multikey
from app.core.proofs import SUITES
from app.core.proofs.data_integrity import DataIntegrityEngine, ProofOptions
from app.core.proofs.signer import Ed25519Signer, P256Signer
from app.core.status.bitstring import Bitstring
from app.core.status.credential import (
    status_list_2021_credential,
    status_list_2021_entry,
    status_list_credential,
    status_list_entry,
)

OB_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
]
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"

Route = tuple[int, dict[str, str], bytes] | Callable[[BaseHTTPRequestHandler], None]


@dataclass
class TlsPair:
    server: ssl.SSLContext
    client: ssl.SSLContext


def make_tls(directory: Path) -> TlsPair:
    """A self-signed certificate for 127.0.0.1 and a client context that trusts only it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "laurel test issuer")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "cert.pem").write_bytes(cert_pem)
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    client = ssl.create_default_context(cadata=cert_pem.decode())
    return TlsPair(server, client)


class StubServer:
    """ThreadingHTTPServer (optionally TLS) answering from a route table; counts requests."""

    def __init__(self, tls: ssl.SSLContext | None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        routes, hits = self.routes, self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                hits[path] = hits.get(path, 0) + 1
                route = routes.get(path)
                if route is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if callable(route):
                    route(self)
                    return
                status, headers, body = route
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hangs up early (size and time limit tests) is expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.scheme = "https" if tls is not None else "http"
        self.base_url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def json(self, path: str, document: Any, media: str = "application/json") -> str:
        body = json.dumps(document).encode()
        self.routes[path] = (200, {"Content-Type": media}, body)
        return self.base_url + path

    def text(self, path: str, text: str, media: str = "text/plain") -> str:
        self.routes[path] = (200, {"Content-Type": media}, text.encode())
        return self.base_url + path

    def reset(self) -> None:
        self.routes.clear()
        self.hits.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class RemoteIssuer:
    """Another issuer: did:web on the stub server, Ed25519 + P-256 + RSA keys of its own."""

    server: StubServer
    engine: DataIntegrityEngine
    path: tuple[str, ...] = ()
    ed_key: ed25519.Ed25519PrivateKey = field(default_factory=ed25519.Ed25519PrivateKey.generate)
    p256_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    rsa_key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    @property
    def did(self) -> str:
        return ":".join([f"did:web:127.0.0.1%3A{self.server.port}", *self.path])

    def vm(self, name: str) -> str:
        return f"{self.did}#{name}"

    def did_document(self, assertion: tuple[str, ...] = ("ed", "p256", "rsa")) -> dict[str, Any]:
        methods = [
            {
                "id": self.vm("ed"),
                "type": "Multikey",
                "controller": self.did,
                "publicKeyMultibase": encode_multikey(self.ed_key.public_key()),
            },
            {
                "id": self.vm("p256"),
                "type": "Multikey",
                "controller": self.did,
                "publicKeyMultibase": encode_multikey(self.p256_key.public_key()),
            },
            {
                "id": self.vm("rsa"),
                "type": "JsonWebKey",
                "controller": self.did,
                "publicKeyJwk": jwk_from_public_key(self.rsa_key.public_key()),
            },
        ]
        return {
            "@context": [
                "https://www.w3.org/ns/did/v1",
                "https://w3id.org/security/multikey/v1",
                "https://w3id.org/security/jwk/v1",
            ],
            "id": self.did,
            "verificationMethod": methods,
            "authentication": [self.vm("ed")],
            "assertionMethod": [self.vm(n) for n in assertion],
        }

    def publish(self, **kwargs: Any) -> None:
        path = "/" + "/".join(self.path) + "/did.json" if self.path else "/.well-known/did.json"
        self.server.json(path, self.did_document(**kwargs), "application/did+ld+json")

    def badge(self, **extra: Any) -> dict[str, Any]:
        credential: dict[str, Any] = {
            "@context": list(OB_CONTEXTS),
            "id": "urn:uuid:6a1f0c4e-7d1b-4a57-9d1c-2b7e8e0f1a01",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": self.did, "type": ["Profile"], "name": "Elsewhere College"},
            "validFrom": "2024-01-01T00:00:00Z",
            "name": "Data Structures",
            "credentialSubject": {
                "id": "did:example:learner-1",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": "https://elsewhere.example/achievements/ds",
                    "type": ["Achievement"],
                    "name": "Data Structures",
                    "description": "Passed Data Structures.",
                    "criteria": {"narrative": "Pass the final exam."},
                },
            },
            "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        }
        credential.update(extra)
        return credential

    def sign(
        self,
        document: dict[str, Any],
        suite: str = "eddsa-rdfc-2022",
        *,
        vm: str | None = None,
        include_created: bool = True,
    ) -> dict[str, Any]:
        cryptosuite = SUITES[suite]
        if cryptosuite.algorithm == "ES256":
            signer: Any = P256Signer(self.p256_key, vm or self.vm("p256"))
        else:
            signer = Ed25519Signer(self.ed_key, vm or self.vm("ed"))
        options = ProofOptions(
            verification_method=signer.verification_method,
            created="2024-01-01T00:00:00Z",
            include_created=include_created,
        )
        return self.engine.add_proof(copy.deepcopy(document), cryptosuite, signer, options)

    # -- status ---------------------------------------------------------------------------

    def status_list(
        self,
        name: str,
        purpose: str,
        set_bits: tuple[int, ...] = (),
        *,
        size: int = 131_072,
        fmt: str = "bitstring",
        prefix: bool = True,
    ) -> str:
        """Sign and serve a status list; returns its URL."""
        url = f"{self.server.base_url}/status/{name}"
        bits = Bitstring(size)
        for index in set_bits:
            bits.set(index)
        encoded = bits.encode()
        if fmt == "bitstring":
            unsigned = status_list_credential(
                url, self.did, purpose, encoded, "2024-01-01T00:00:00Z"
            )
        else:
            unsigned = status_list_2021_credential(
                url, self.did, purpose, encoded, "2024-01-01T00:00:00Z"
            )
            unsigned["@context"].append(DATA_INTEGRITY_V2)
            if prefix:
                unsigned["credentialSubject"]["encodedList"] = "u" + encoded.removeprefix("u")
        signed = self.sign(unsigned)
        self.server.json(f"/status/{name}", signed, "application/vc+ld+json")
        return url

    @staticmethod
    def entry(url: str, index: int, purpose: str, fmt: str = "bitstring") -> dict[str, Any]:
        if fmt == "bitstring":
            return status_list_entry(url, index, purpose)
        return status_list_2021_entry(url, index, purpose)
