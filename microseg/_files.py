"""Safe writes: every file microseg writes appears whole or not at all.

A file is written to a temporary file in the same folder, flushed to disk
(``fsync``) and renamed into place (``os.replace``, atomic on POSIX and
Windows). A writer interrupted mid-way (an exception, a killed process, a
full disk) leaves the previous file, or no file, at the path: never a
truncated one that looks complete. The temporary file is removed on an
exception; only a hard kill can leave one behind, named ``.<name>.*.tmp``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import MicrosegError

__all__ = ["atomic_write", "write_text", "write_csv"]


def _target(path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise MicrosegError(f"{str(path)!r} is a folder; pass a file path such as {str(path / 'audience.csv')!r}.")
    if not path.parent.is_dir():
        raise MicrosegError(f"folder {str(path.parent)!r} does not exist; create it first (or pass another path).")
    return path


def _new_file_mode(path: Path) -> int:
    if path.exists():
        return path.stat().st_mode & 0o777
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextmanager
def atomic_write(path, mode: str = "w", *, encoding: str | None = "utf-8", newline: str | None = None) -> Iterator:
    """Open a temporary file next to ``path`` for writing; on success flush, fsync and rename it to ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with atomic_write(folder / "a.txt") as fh:
    ...     _ = fh.write("hello")
    >>> (folder / "a.txt").read_text(), sorted(p.name for p in folder.iterdir())
    ('hello', ['a.txt'])
    """
    path = _target(path)
    binary = "b" in mode
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, _new_file_mode(path))
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding, "newline": newline})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable (POSIX; not possible on Windows)
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def write_text(path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` safely (see :func:`atomic_write`); return the path."""
    with atomic_write(path, "w", encoding=encoding) as fh:
        fh.write(text)
    return Path(path)


def write_csv(frame, path, **kwargs) -> Path:
    """Write a DataFrame as CSV to ``path`` safely (see :func:`atomic_write`); ``kwargs`` go to ``to_csv``."""
    with atomic_write(path, "w", newline="") as fh:
        frame.to_csv(fh, **kwargs)
    return Path(path)
