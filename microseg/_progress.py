"""Progress bars on long work: on by default in Jupyter and in the ``microseg`` command, off with ``verbose=False``.

Every function that can take more than a few seconds takes ``verbose=None``:
``None`` shows a bar when running in a Jupyter kernel or inside the command
line tool (:func:`shown_by_default`), and nowhere else (scripts, tests);
``True`` always shows it and ``False`` never does. Bars appear only once the
work has taken a second, and disappear when it is done.
"""

from __future__ import annotations

import contextvars
import sys
from contextlib import contextmanager

__all__ = ["wanted", "progress", "bar", "shown_by_default", "in_jupyter", "set_notebook_default"]

_DEFAULT_ON = contextvars.ContextVar("microseg_progress_default_on", default=None)
_IN_JUPYTER = {"on": True}  # a notebook may turn its default off (ms.notebook_style(progress=False))


def set_notebook_default(on: bool) -> None:
    """Whether ``verbose=None`` shows bars in this Jupyter kernel (on unless turned off here)."""
    _IN_JUPYTER["on"] = bool(on)


def in_jupyter() -> bool:
    """True inside a Jupyter kernel (not in a plain IPython terminal)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except AttributeError:
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


@contextmanager
def shown_by_default(on: bool = True):
    """Within the block, ``verbose=None`` shows progress (the ``microseg`` command runs in one); ``on=False`` hides it."""
    token = _DEFAULT_ON.set(on)
    try:
        yield
    finally:
        _DEFAULT_ON.reset(token)


def wanted(verbose) -> bool:
    """Whether to show progress for ``verbose`` (True, False or None = automatic).

    Examples
    --------
    >>> wanted(False), wanted(True), wanted(None)
    (False, True, False)
    >>> with shown_by_default():
    ...     wanted(None)
    True
    """
    if verbose is None:
        on = _DEFAULT_ON.get()
        return on if on is not None else (_IN_JUPYTER["on"] and in_jupyter())
    return bool(verbose)


def _tqdm():
    if in_jupyter():
        try:
            import ipywidgets  # noqa: F401 - tqdm's notebook bar needs it

            from tqdm.notebook import tqdm

            return tqdm
        except ImportError:
            pass
    from tqdm import tqdm

    return tqdm


class _Silent:
    def update(self, n=1):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def bar(total: int, *, desc: str, verbose=None, unit: str = "it"):
    """A bar to ``update()`` by hand (a context manager), or a silent stand-in when progress is not wanted."""
    if not wanted(verbose):
        return _Silent()
    return _tqdm()(total=total, desc=desc, unit=unit, leave=False, delay=1.0, file=sys.stderr)


def progress(iterable, *, desc: str, verbose=None, total: int | None = None, unit: str = "it"):
    """``iterable`` wrapped in a bar when progress is wanted, else unchanged.

    Examples
    --------
    >>> list(progress(range(3), desc="demo", verbose=False))
    [0, 1, 2]
    """
    if not wanted(verbose):
        return iterable
    return _tqdm()(iterable, desc=desc, total=total, unit=unit, leave=False, delay=1.0, file=sys.stderr)
