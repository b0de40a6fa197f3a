"""An append-only RFC 6962 Merkle tree: leaf and node hashing, roots and inclusion proofs."""

from __future__ import annotations

import hashlib

__all__ = ["MerkleTree", "leaf_hash"]


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (RFC 6962 §2.1's k)."""
    return 1 << ((size - 1).bit_length() - 1)


class MerkleTree:
    """Keeps every complete subtree's hash, so roots and proofs cost O(log² n)."""

    def __init__(self) -> None:
        # _levels[h][i]: hash of the complete subtree of 2**h leaves starting at leaf i * 2**h
        self._levels: list[list[bytes]] = [[]]

    def __len__(self) -> int:
        return len(self._levels[0])

    def append(self, leaf: bytes) -> int:
        """Add ``leaf`` (the entry's bytes, not yet hashed); return its index."""
        self._levels[0].append(leaf_hash(leaf))
        height = 0
        while len(self._levels[height]) % 2 == 0:
            if len(self._levels) == height + 1:
                self._levels.append([])
            left, right = self._levels[height][-2:]
            self._levels[height + 1].append(_node_hash(left, right))
            height += 1
        return len(self) - 1

    def root(self, size: int | None = None) -> bytes:
        return self._hash(0, len(self) if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """The audit path for leaf ``index`` in the tree of the first ``size`` leaves, bottom up."""
        size = len(self) if size is None else size
        if not 0 <= index < size <= len(self):
            raise IndexError(f"no leaf {index} in a tree of size {size}")
        return self._path(index, 0, size)

    def _hash(self, start: int, end: int) -> bytes:
        count = end - start
        if count == 0:
            return hashlib.sha256(b"").digest()
        if count & (count - 1) == 0 and start % count == 0:
            height = count.bit_length() - 1
            return self._levels[height][start >> height]
        k = _split(count)
        return _node_hash(self._hash(start, start + k), self._hash(start + k, end))

    def _path(self, index: int, start: int, end: int) -> list[bytes]:
        count = end - start
        if count == 1:
            return []
        k = _split(count)
        if index < k:
            return [*self._path(index, start, start + k), self._hash(start + k, end)]
        return [*self._path(index - k, start + k, end), self._hash(start, start + k)]
