"""Replacing a folder by another in one step (``arsearch index --rebuild``).

A rebuild writes the new index into a sibling folder and then puts it in
place of the old one, so readers see the old index until the new one is
complete, and a failed rebuild leaves the old one untouched. On Linux the
two folders are exchanged atomically (``renameat2`` with
``RENAME_EXCHANGE``: there is no moment without an index); elsewhere, or on
a file system without it, by two renames, between which the folder is
briefly absent.
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
from pathlib import Path

__all__ = ["exchange", "replace_dir"]

#: renameat2(2): paths relative to the current directory, and the flag swapping two existing paths.
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errno values meaning "this system or file system cannot exchange": fall back to two renames.
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot (nothing is changed)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without renameat2 (glibc < 2.28, musl < 1.2.5)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def replace_dir(new: Path, target: Path) -> Path:
    """Put folder ``new`` in place of folder ``target``; returns where the old
    ``target`` is now (for the caller to remove). Atomic where :func:`exchange` is."""
    if exchange(new, target):
        return new
    old = new.with_name(new.name + ".old")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)  # put the old folder back
        raise
    return old
