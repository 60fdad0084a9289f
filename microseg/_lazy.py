"""Lazy attribute loading for packages, so ``import microseg`` stays light.

A package lists its public names and the module each lives in; a name's module
is imported the first time the name is used. This keeps matplotlib, seaborn and
the heavier scikit-learn modules out of ``import microseg``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping


def attach(package: str, names: Mapping[str, str]):
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``.

    ``names`` maps each public name to the module, relative to ``package``,
    that defines it (``".profile"``); a value that names a module alone with a
    leading ``":"`` (``":.datasets"``) makes the name the module itself.

    Examples
    --------
    >>> getattr_, dir_, all_ = attach("microseg", {"errors": ":.errors"})
    >>> getattr_("errors").__name__
    'microseg.errors'
    """
    names = dict(names)

    def __getattr__(name: str):
        try:
            target = names[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        if target.startswith(":"):
            return importlib.import_module(target[1:], package)
        module = importlib.import_module(target, package)
        return getattr(module, name)

    def __dir__():
        return sorted(names)

    return __getattr__, __dir__, sorted(names)
