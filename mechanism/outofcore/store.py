"""An (n, d) int64 update matrix in a ``.npy`` file, read one coordinate block at a time.

Blocks are read with ``preadv`` into a private buffer, not through a memory map: pages of
a map stay in the process's resident set until the kernel reclaims them, so a pass over a
40 GB file through ``np.memmap`` would report 40 GB resident. Single chunks (the
openings a game asks for) are read through a read-only map, which touches a few pages.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npformat

from mechanism.errors import ParameterError

#: default coordinates per block (a multiple of every chunk * arity**2 used on chain:
#: 64 * 16**2 = 16384); n = 50 rows of int64 make a 200 MB block
BLOCK_COORDS = 1 << 19


@dataclass(frozen=True)
class UpdateFile:
    """A C-ordered little-endian int64 ``.npy`` file of shape ``(n, d)``."""

    path: str
    n: int
    d: int
    offset_bytes: int

    @classmethod
    def open(cls, path: str | Path) -> UpdateFile:
        with open(path, "rb") as fh:
            version = npformat.read_magic(fh)
            read = npformat.read_array_header_1_0 if version == (1, 0) else npformat.read_array_header_2_0
            shape, fortran, dtype = read(fh)
            off = fh.tell()
        if len(shape) != 2 or fortran or dtype != np.dtype("<i8"):
            raise ParameterError.bad("updates file", str(path), "a C-ordered (n, d) little-endian int64 .npy")
        return cls(str(path), int(shape[0]), int(shape[1]), off)

    @property
    def nbytes(self) -> int:
        return 8 * self.n * self.d

    def memmap(self) -> np.ndarray:
        """Read-only map (for the few chunks a game opens)."""
        return np.load(self.path, mmap_mode="r")

    def read_block(self, lo: int, hi: int, out: np.ndarray | None = None) -> np.ndarray:
        """Columns ``[lo, hi)`` of every row as a contiguous (n, hi - lo) int64 array."""
        if not 0 <= lo <= hi <= self.d:
            raise ParameterError.bad("block", (lo, hi), f"0 <= lo <= hi <= d = {self.d}")
        w = hi - lo
        if out is None or out.size < self.n * w:
            buf = np.empty((self.n, w), dtype=np.int64)
        else:  # the first n * w elements of ``out``, contiguous
            buf = out.reshape(-1)[: self.n * w].reshape(self.n, w)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            for t in range(self.n):
                _pread_into(fd, self.path, buf[t], self.offset_bytes + 8 * (t * self.d + lo))
        finally:
            os.close(fd)
        return buf

    def read_row(self, t: int, lo: int, hi: int) -> np.ndarray:
        """Coordinates ``[lo, hi)`` of row ``t`` (one ``pread``, not through a map)."""
        if not (0 <= t < self.n and 0 <= lo <= hi <= self.d):
            raise ParameterError.bad("row span", (t, lo, hi), f"0 <= t < n = {self.n}, 0 <= lo <= hi <= d = {self.d}")
        return FileVector.row(self, t)._read(lo, hi)


@dataclass(frozen=True)
class FileVector:
    """A length-``length`` int64 vector stored at ``offset_bytes`` of a file (a row of an
    update file, a stage output), read with ``pread`` on slicing: nothing stays mapped,
    so a pass over it keeps only the slice resident."""

    path: str
    offset_bytes: int
    length: int

    @classmethod
    def row(cls, uf: UpdateFile, t: int) -> FileVector:
        return cls(uf.path, uf.offset_bytes + 8 * t * uf.d, uf.d)

    def __len__(self) -> int:
        return self.length

    def _read(self, lo: int, hi: int) -> np.ndarray:
        buf = np.empty(max(0, hi - lo), dtype=np.int64)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            _pread_into(fd, self.path, buf, self.offset_bytes + 8 * lo)
        finally:
            os.close(fd)
        return buf

    def __getitem__(self, i: int | slice) -> np.ndarray | int:
        if isinstance(i, slice):
            lo, hi, step = i.indices(self.length)
            return self._read(lo, max(lo, hi))[::step]
        k = int(i) + (self.length if int(i) < 0 else 0)
        if not 0 <= k < self.length:
            raise IndexError(i)
        return int(self._read(k, k + 1)[0])

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        """The whole vector (small vectors and tests only)."""
        v = self._read(0, self.length)
        return v if dtype is None else v.astype(dtype)


def blocks(d: int, block: int) -> list[tuple[int, int]]:
    return [(lo, min(d, lo + block)) for lo in range(0, d, block)]


def create_updates(path: str | Path, n: int, d: int, fill: Callable[[int, int], np.ndarray],
                   block: int = BLOCK_COORDS) -> UpdateFile:
    """Write an (n, d) int64 ``.npy`` whose columns ``[lo, hi)`` are ``fill(lo, hi)``
    (an (n, hi - lo) array), one block at a time (written with ``pwrite``, never mapped)."""
    if n < 1 or d < 1:
        raise ParameterError.bad("shape", (n, d), "n >= 1 and d >= 1")
    with open(path, "wb") as fh:
        npformat.write_array_header_1_0(fh, {"descr": "<i8", "fortran_order": False, "shape": (n, d)})
        off = fh.tell()
        fh.truncate(off + 8 * n * d)
    fd = os.open(path, os.O_WRONLY)
    try:
        for lo, hi in blocks(d, block):
            vals = np.ascontiguousarray(fill(lo, hi), dtype="<i8")
            if vals.shape != (n, hi - lo):
                raise ParameterError.bad("fill shape", vals.shape, f"({n}, {hi - lo})")
            for t in range(n):
                os.pwrite(fd, memoryview(vals[t]).cast("B"), off + 8 * (t * d + lo))
    finally:
        os.close(fd)
    return UpdateFile.open(path)


def write_updates(path: str | Path, x: np.ndarray) -> UpdateFile:
    """Store an in-memory (n, d) int64 matrix (tests, small runs)."""
    a = np.ascontiguousarray(x, dtype="<i8")
    np.save(path, a)
    return UpdateFile.open(path)


def random_fill(n: int, seed: int, lo_value: int = -(1 << 24), hi_value: int = 1 << 24
                ) -> Callable[[int, int], np.ndarray]:
    """Uniform int64 updates in ``[lo_value, hi_value)``; block ``[lo, hi)`` from its own
    stream ``default_rng([seed, lo])``, so a file is reproducible block by block."""
    def fill(lo: int, hi: int) -> np.ndarray:
        return np.random.default_rng([seed, lo]).integers(lo_value, hi_value, size=(n, hi - lo), dtype=np.int64)
    return fill


def _pread_into(fd: int, path: str, buf: np.ndarray, pos: int) -> None:
    """Fill the contiguous array ``buf`` from byte ``pos`` of the open file ``fd`` (``preadv``
    until every byte arrived; a short file is an OSError naming ``path``)."""
    view, got, want = memoryview(buf.data).cast("B"), 0, buf.nbytes
    while got < want:
        k = os.preadv(fd, [view[got:]], pos + got)
        if k <= 0:
            raise OSError(f"short read of {path} at byte {pos + got}")
        got += k
