"""Rekor v1's ``POST /api/v1/log/entries`` on 127.0.0.1 (``dsse`` and ``hashedrekord`` 0.0.1).

An accepted entry is stored in its canonical form (RFC 8785 JSON of what Rekor
records), appended to an RFC 6962 Merkle tree and answered with Rekor's shape:
integrated time, log ID, signed entry timestamp and an inclusion proof whose
checkpoint is a signed note. Signing makes no other call to Rekor.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from tests.standins.server import Served
from tests.standins.sigstore.faults import Faults
from tests.standins.sigstore.keys import signing_key
from tests.standins.sigstore.merkle import MerkleTree, leaf_hash

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["LogEntry", "Rekor"]

LOG_NAME = "rekor.sigstore.standin"
_Json = str | int | bool | None | list["_Json"] | dict[str, "_Json"]


@dataclass(frozen=True)
class LogEntry:
    uuid: str
    log_index: int
    kind: str
    body: bytes  # canonical JSON, as the entry's ``canonicalizedBody``
    integrated_time: int


class _Rejected(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.status = message, status


class Rekor(Served):
    """The log's state and HTTP face; ``entries`` is what tests inspect."""

    def __init__(self) -> None:
        self.key = signing_key("rekor")
        self.tree_id = secrets.randbits(63)
        self.faults = Faults()
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Start a new, empty log (same key) and clear the faults."""
        with self._lock:
            self._tree = MerkleTree()
            self.entries: list[LogEntry] = []
            self._by_leaf: dict[bytes, str] = {}
            self.entry_requests = 0
        self.faults.clear()

    @property
    def origin(self) -> str:
        return f"{LOG_NAME} - {self.tree_id}"

    def checkpoint(self, size: int, root: bytes) -> str:
        """The signed note Rekor puts into inclusion proofs."""
        note = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        signature = self.key.key_id[:4] + self.key.sign(note.encode())
        return f"{note}\n\u2014 {LOG_NAME} {base64.b64encode(signature).decode()}\n"

    # -- serving ------------------------------------------------------------------
    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            _ROUTES.bind_to_environ(environ).match()
            response = self._on_create_entry(request)
        except HTTPException as exc:
            response = _error(exc.description or "", exc.code or 500)
        except _Rejected as exc:
            response = _error(exc.message, exc.status)
        return response(environ, start_response)

    def _on_create_entry(self, request: Request) -> Response:
        with self._lock:
            self.entry_requests += 1
        status = self.faults.take()
        if status is not None:
            raise _Rejected("service unavailable", status)
        body = rfc8785.dumps(_canonical_entry(request.get_data()))
        with self._lock:
            existing = self._by_leaf.get(leaf_hash(body))
            if existing is not None:
                raise _Rejected(
                    f"an equivalent entry already exists in the transparency log with UUID "
                    f"{existing}",
                    409,
                )
            entry, answer = self._integrate(body)
        return Response(
            json.dumps({entry.uuid: answer}), status=201, content_type="application/json"
        )

    def _integrate(self, body: bytes) -> tuple[LogEntry, dict[str, _Json]]:
        """Append ``body``; call with the lock held so the proof matches the tree."""
        index = self._tree.append(body)
        size = len(self._tree)
        root = self._tree.root()
        uuid = f"{self.tree_id:016x}{leaf_hash(body).hex()}"
        entry = LogEntry(uuid, index, json.loads(body)["kind"], body, int(time.time()))
        self.entries.append(entry)
        self._by_leaf[leaf_hash(body)] = uuid
        encoded_body = base64.b64encode(body).decode()
        log_id = self.key.key_id.hex()
        promise: dict[str, _Json] = {
            "body": encoded_body,
            "integratedTime": entry.integrated_time,
            "logID": log_id,
            "logIndex": index,
        }
        answer: dict[str, _Json] = {
            **promise,
            "verification": {
                "signedEntryTimestamp": base64.b64encode(
                    self.key.sign(rfc8785.dumps(promise))
                ).decode(),
                "inclusionProof": {
                    "logIndex": index,
                    "treeSize": size,
                    "rootHash": root.hex(),
                    "hashes": [h.hex() for h in self._tree.inclusion_proof(index)],
                    "checkpoint": self.checkpoint(size, root),
                },
            },
        }
        return entry, answer


def _canonical_entry(raw: bytes) -> dict[str, _Json]:
    """What Rekor stores for a proposed entry, after checking its signature."""
    try:
        proposed = json.loads(raw)
        kind, version, spec = proposed["kind"], proposed["apiVersion"], proposed["spec"]
        if version != "0.0.1":
            raise _Rejected(f"unsupported apiVersion '{version}' for kind '{kind}'")
        if kind == "dsse":
            return _dsse(spec["proposedContent"])
        if kind == "hashedrekord":
            return _hashedrekord(spec)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise _Rejected(f"unable to process entry: {exc}") from exc
    raise _Rejected(f"unknown kind '{kind}'")


def _dsse(proposed: object) -> dict[str, _Json]:
    envelope = json.loads(_string(proposed, "envelope"))
    verifiers = proposed.get("verifiers") if isinstance(proposed, dict) else None
    if not isinstance(verifiers, list) or len(verifiers) != 1:
        raise _Rejected("exactly one verifier is supported")
    verifier = verifiers[0]
    key = _public_key(verifier)
    payload = base64.b64decode(envelope["payload"])
    payload_type = envelope["payloadType"]
    pae = f"DSSEv1 {len(payload_type)} {payload_type} {len(payload)} ".encode() + payload
    signatures: list[_Json] = []
    for signature in envelope["signatures"]:
        sig = base64.b64decode(signature["sig"])
        _check(key, sig, pae, hashes.SHA256())
        signatures.append({"signature": base64.b64encode(sig).decode(), "verifier": verifier})
    return {
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {
                "algorithm": "sha256",
                "value": hashlib.sha256(rfc8785.dumps(envelope)).hexdigest(),
            },
            "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
            "signatures": signatures,
        },
    }


def _hashedrekord(spec: object) -> dict[str, _Json]:
    algorithm = _string(spec, "data", "hash", "algorithm")
    digest = _string(spec, "data", "hash", "value")
    if algorithm != "sha256":
        raise _Rejected(f"unsupported hash algorithm '{algorithm}'")
    content = _string(spec, "signature", "content")
    verifier = _string(spec, "signature", "publicKey", "content")
    _check(
        _public_key(verifier),
        base64.b64decode(content),
        bytes.fromhex(digest),
        Prehashed(hashes.SHA256()),
    )
    return {
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": {"hash": {"algorithm": "sha256", "value": digest}},
            "signature": {"content": content, "publicKey": {"content": verifier}},
        },
    }


def _string(document: object, *path: str) -> str:
    for name in path:
        if not isinstance(document, dict) or name not in document:
            raise _Rejected(f"missing field '{'.'.join(path)}'")
        document = document[name]
    if not isinstance(document, str):
        raise _Rejected(f"field '{'.'.join(path)}' must be a string")
    return document


def _public_key(encoded_pem: object) -> ec.EllipticCurvePublicKey:
    if not isinstance(encoded_pem, str):
        raise _Rejected("verifier must be a base64 PEM certificate")
    key = x509.load_pem_x509_certificate(base64.b64decode(encoded_pem)).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise _Rejected("only ECDSA verifiers are supported by this stand-in")
    return key


def _check(
    key: ec.EllipticCurvePublicKey,
    signature: bytes,
    data: bytes,
    algorithm: hashes.HashAlgorithm | Prehashed,
) -> None:
    try:
        key.verify(signature, data, ec.ECDSA(algorithm))
    except InvalidSignature as exc:
        raise _Rejected("signature verification failed") from exc


def _error(message: str, status: int) -> Response:
    return Response(
        json.dumps({"code": status, "message": message}),
        status=status,
        content_type="application/json",
    )


_ROUTES = Map([Rule("/api/v1/log/entries", endpoint="create_entry", methods=["POST"])])
