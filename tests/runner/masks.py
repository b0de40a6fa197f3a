"""The runner's secret masker (Sdk/DTLogging/Logging/SecretMasker.cs and HostContext.cs).

A registered value is replaced by ``***`` wherever it appears, with no minimum
length, overlapping matches merged; so are the escaped forms the runner also
registers (JSON, URI, base64 at each of its three alignments, ...).
"""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse

__all__ = ["SecretMasker"]


def _variants(secret: str) -> set[str]:
    variants = {secret, json.dumps(secret)[1:-1], urllib.parse.quote(secret, safe="")}
    variants.add(secret.replace("'", "''"))  # expression-escaped
    variants.add(secret.replace("<", "&lt;").replace(">", "&gt;").replace("&", "&amp;"))
    raw = secret.encode()
    for shift, start in ((0, 0), (1, 2), (2, 3)):
        # The characters of base64(prefix + secret) that depend on the secret alone, for a
        # prefix of 0, 1 or 2 bytes: the secret's encoding wherever it sits in a longer text.
        encoded = base64.b64encode(b"\0" * shift + raw).decode().rstrip("=")[start:]
        if (shift + len(raw)) % 3:
            encoded = encoded[:-1]
        if len(encoded) >= 4:
            variants.add(encoded)
    return {v for v in variants if v}


class SecretMasker:
    """Thread-safe: a step's stdout and stderr are read concurrently."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, value: str) -> None:
        """Register ``value`` and each of its non-empty trimmed lines, as add-mask does."""
        with self._lock:
            self._values |= _variants(value)
            for line in value.replace("\r", "\n").split("\n"):
                if line.strip():
                    self._values |= _variants(line.strip())

    @property
    def values(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._values)

    def mask(self, text: str) -> str:
        values = self.values
        if not values or not text:
            return text
        hidden = [False] * len(text)
        for value in values:
            start = text.find(value)
            while start >= 0:
                for index in range(start, start + len(value)):
                    hidden[index] = True
                start = text.find(value, start + 1)
        out: list[str] = []
        index = 0
        while index < len(text):
            if hidden[index]:
                while index < len(text) and hidden[index]:
                    index += 1
                out.append("***")
            else:
                out.append(text[index])
                index += 1
        return "".join(out)
