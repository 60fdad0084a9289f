"""Exceptions and warnings raised by microseg.

Every error is a :class:`MicrosegError`, itself a :class:`ValueError`, so code
that already catches ``ValueError`` keeps working. Messages name the column or
parameter, say what was found, and say what to do.

Examples
--------
>>> from microseg.errors import SchemaError, MicrosegError
>>> issubclass(SchemaError, MicrosegError) and issubclass(SchemaError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "MicrosegError",
    "SchemaError",
    "DataQualityWarning",
    "PrivacyError",
    "SensitiveAttributeError",
    "AudienceTooSmallError",
    "PrivacyBudgetError",
    "IdentifierTypeError",
    "NotFittedError",
    "SensitiveInferenceWarning",
    "ModelFitWarning",
    "TestHealthWarning",
    "NotIncrementalWarning",
    "SmallSeedWarning",
    "SensitiveDataWarning",
]


def __getattr__(name: str):
    # scikit-learn's NotFittedError, loaded on first use so that ``import microseg``
    # does not import scikit-learn (and scipy); ``except NotFittedError`` keeps working.
    if name == "NotFittedError":
        from sklearn.exceptions import NotFittedError

        return NotFittedError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class MicrosegError(ValueError):
    """Base class of every error microseg raises on bad input."""


class SchemaError(MicrosegError):
    """A table lacks a column, or a column has the wrong type or content."""


class PrivacyError(MicrosegError):
    """An operation would break a privacy rule that microseg enforces by default."""


class SensitiveAttributeError(PrivacyError):
    """A sensitive column (GDPR Art. 9, CPRA precise geolocation) was used for targeting."""


class AudienceTooSmallError(PrivacyError):
    """An audience or group is smaller than the minimum size allowed for its use."""


class PrivacyBudgetError(PrivacyError):
    """A differentially private release would spend more epsilon than its :class:`~microseg.privacy.PrivacyBudget` has left."""


class IdentifierTypeError(MicrosegError, TypeError):
    """Identifiers have a type that loses information (e.g. phone numbers stored as floats)."""


class DataQualityWarning(UserWarning):
    """Rows were dropped or changed; the message gives the count per rule."""


class SensitiveInferenceWarning(UserWarning):
    """A targeting output (segment labels or scores) strongly predicts a sensitive attribute."""


class ModelFitWarning(UserWarning):
    """A model's fit reached a limit of its parameter space, or left some predictions undefined.

    The message says what was found and what microseg did about it (for
    example, which limiting model's closed form gives the predictions).
    """


class TestHealthWarning(UserWarning):
    """A campaign test read-out is not trustworthy as it stands: sample-ratio mismatch, imbalance or peeking."""

    __test__ = False  # not a pytest test class, despite the name


class NotIncrementalWarning(UserWarning):
    """A campaign number counts every response as caused by the campaign, with no control group behind it."""


class SmallSeedWarning(UserWarning):
    """The seed is smaller than the 1,000 members recommended for a stable lookalike."""


class SensitiveDataWarning(UserWarning):
    """A column is sensitive or may reveal a special category (a proxy), where that is only flagged.

    Emitted by ``profile``, ``describe`` and ``compare`` (auditing a sensitive
    column is legitimate) and, for proxy columns (nationality, gender identity,
    BMI...), wherever columns are used for targeting.
    """
