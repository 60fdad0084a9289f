"""golden_questions: the fewest survey items that place a respondent in their segment."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..errors import MicrosegError
from ._likert import answers, single_thread

__all__ = ["golden_questions", "GoldenQuestions", "Quiz"]


class Quiz:
    """A fitted quick classifier: answers to a few items → segment.

    ``predict`` takes a DataFrame with the quiz items as columns, or a mapping
    item → answer for one respondent. Skipped answers are filled with the
    item's median in the survey the quiz was built from.
    """

    def __init__(self, items, classifier, medians, scale_range):
        self.items = list(items)
        self.classifier = classifier
        self.medians = medians
        self.scale_range = scale_range

    def _matrix(self, answers_):
        if isinstance(answers_, Mapping):
            answers_ = pd.DataFrame([dict(answers_)])
        if not isinstance(answers_, pd.DataFrame):
            raise MicrosegError(
                f"answers must be a DataFrame with columns {self.items} or a mapping item -> answer, "
                f"got {type(answers_).__name__}."
            )
        missing = [c for c in self.items if c not in answers_.columns]
        if missing:
            raise MicrosegError(f"answers lack the quiz items {missing}; the quiz asks {self.items}.")
        a = answers(answers_, self.items, scale_range=self.scale_range, name="answers", check_spread=False)
        return np.where(np.isnan(a), self.medians, a)

    def predict(self, answers_) -> np.ndarray:
        """Segment of each respondent."""
        return self.classifier.predict(self._matrix(answers_))

    def predict_proba(self, answers_) -> np.ndarray:
        """Probability of each segment (columns in ``classifier.classes_`` order)."""
        return self.classifier.predict_proba(self._matrix(answers_))

    def __repr__(self) -> str:
        return f"Quiz({len(self.items)} items: {self.items})"


@dataclass(frozen=True, repr=False)
class GoldenQuestions:
    """Result of :func:`golden_questions`.

    Attributes
    ----------
    items : tuple
        The chosen items, in the order they were added.
    steps : DataFrame
        One row per step: ``n_items``, ``item`` added, cross-validated
        ``accuracy`` and its standard deviation across folds ``accuracy_sd``.
    target_accuracy : float
    reached : bool
        Whether the target was reached.
    quiz : Quiz
        Classifier fitted on all respondents with the chosen items; ``predict(answers)``.
    n_respondents : int
        Respondents used (the model's flagged respondents left out when it excludes them).
    """

    items: tuple
    steps: pd.DataFrame
    target_accuracy: float
    reached: bool
    quiz: Quiz
    n_respondents: int

    def predict(self, answers_) -> np.ndarray:
        """Segment of each respondent from their answers to the chosen items (see :class:`Quiz`)."""
        return self.quiz.predict(answers_)

    def to_frame(self) -> pd.DataFrame:
        """The step table."""
        return self.steps.copy()

    def plot(self, ax=None):
        """Accuracy against number of items, with the target; returns the Axes."""
        from ..plot import plot_golden_questions

        return plot_golden_questions(self, ax=ax)

    def _summary(self) -> str:
        acc = self.steps["accuracy"].iloc[-1] if len(self.steps) else float("nan")
        verb = "reaches" if self.reached else "does not reach"
        return (
            f"{len(self.items)} items {list(self.items)} give {acc:.0%} cross-validated accuracy "
            f"({verb} the {self.target_accuracy:.0%} target; {self.n_respondents:,} respondents)"
        )

    def __repr__(self) -> str:
        return f"GoldenQuestions({self._summary()})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p><b>Golden questions</b>: {self._summary()}</p>" + format_table(self.steps, max_rows=None).html


def _make_classifier(classifier):
    if classifier == "lda":
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

        return LinearDiscriminantAnalysis()
    if classifier == "logistic":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(max_iter=1000)
    raise MicrosegError(f"classifier must be 'lda' or 'logistic', got {classifier!r}.")


def _lda_cv_accuracy(x: np.ndarray, y: np.ndarray, folds: list, classes: np.ndarray) -> tuple[float, float]:
    """Cross-validated accuracy of linear discriminant analysis, in plain numpy (fast for the search).

    Same model as scikit-learn's ``LinearDiscriminantAnalysis`` (pooled
    within-segment covariance, empirical priors) with a tiny ridge for stability.
    """
    accs = []
    for train, test in folds:
        xt, yt = x[train], y[train]
        onehot = yt[:, None] == classes[None, :]
        counts = onehot.sum(axis=0)
        present = counts > 0
        means = (onehot.T @ xt)[present] / counts[present, None]
        resid = xt - (onehot[:, present] @ means)
        cov = resid.T @ resid / max(len(xt) - present.sum(), 1)
        cov += np.eye(cov.shape[0]) * (1e-6 * np.trace(cov) / cov.shape[0] + 1e-12)
        w = np.linalg.solve(cov, means.T)  # features × classes
        b = -0.5 * np.einsum("kf,fk->k", means, w) + np.log(counts[present] / counts.sum())
        pred = classes[present][np.argmax(x[test] @ w + b, axis=1)]
        accs.append(np.mean(pred == y[test]))
    return float(np.mean(accs)), float(np.std(accs))


def golden_questions(
    model,
    survey: pd.DataFrame,
    *,
    target_accuracy: float = 0.8,
    max_items: int | None = None,
    cv: int = 5,
    classifier: str = "lda",
    random_state=None,
) -> GoldenQuestions:
    """Pick the fewest survey items that assign a respondent to their segment, for a short typing quiz.

    Greedy forward selection: start with no item; at each step add the item
    that most raises the cross-validated accuracy of a classifier predicting
    the model's segment from the raw answers to the chosen items; stop when the
    accuracy reaches ``target_accuracy`` or ``max_items`` items are chosen.

    Parameters
    ----------
    model : PsychographicModel
        A fitted model; its segments (``model.predict(survey)``) are the target.
    survey : DataFrame
        The respondents (usually those the model was fitted on), with the model's item columns.
    target_accuracy : float, default=0.8
        Stop once the cross-validated accuracy reaches this share.
    max_items : int, optional
        At most this many items (default: all of them).
    cv : int, default=5
        Stratified cross-validation folds.
    classifier : {"lda", "logistic"}, default="lda"
        Linear discriminant analysis (default: closed form, so the search is
        fast, and the optimal rule when answers are roughly normal within
        segments with a shared covariance, which is how segments on factor
        scores arise) or multinomial logistic regression (fewer assumptions,
        slower search).
    random_state : int, RandomState or None
        Seeds the cross-validation folds.

    Returns
    -------
    GoldenQuestions
        With the chosen ``items`` in order, the accuracy after each step, a
        ``.plot()`` and ``.predict(answers)`` from a quiz fitted on all respondents.

    Notes
    -----
    Respondents the model left out of its fit (straight-liners, speeders) are
    left out here too. Skipped answers are filled with the model's item medians.
    When the target is not reached a ``UserWarning`` says so, and the result
    holds every step tried.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from microseg.segment import PsychographicModel
    >>> rng = np.random.default_rng(0)
    >>> seg = rng.integers(0, 2, 300)
    >>> f = np.c_[np.where(seg == 1, 1.5, -1.5), rng.normal(size=300)]
    >>> raw = np.repeat(f, 3, axis=1) + rng.normal(scale=0.7, size=(300, 6))
    >>> survey = pd.DataFrame(np.clip(np.round(raw + 3), 1, 5).astype(int),
    ...                       columns=["fun", "party", "travel", "save", "plan", "budget"])
    >>> model = PsychographicModel(n_segments=2, exclude_flagged=False, random_state=0).fit(survey)
    >>> gq = golden_questions(model, survey, target_accuracy=0.9, random_state=0)
    >>> len(gq.items), bool(gq.reached)
    (1, True)
    """
    check_is_fitted(model, "loadings_")
    if not hasattr(model, "feature_names_in_"):
        raise MicrosegError(
            "golden_questions needs a model fitted on a DataFrame, so that items have names; "
            "refit it with the survey as a pandas DataFrame."
        )
    if not 0 < float(target_accuracy) <= 1:
        raise MicrosegError(f"target_accuracy must be in (0, 1], got {target_accuracy!r}.")
    if not isinstance(survey, pd.DataFrame):
        raise MicrosegError(f"survey must be a pandas DataFrame, got {type(survey).__name__}.")
    items = list(model.feature_names_in_)
    max_items = len(items) if max_items is None else int(max_items)
    if max_items < 1:
        raise MicrosegError(f"max_items must be at least 1, got {max_items}.")
    labels = model.predict(survey)
    a, dur = model._read(survey, fit=False)
    if model.exclude_flagged:
        from ._likert import respondent_flags

        keep = ~respondent_flags(a, dur)["flagged"].to_numpy()
        a, labels = a[keep], labels[keep]
    x = np.where(np.isnan(a), model.medians_.to_numpy(), a)
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise MicrosegError("the model puts every respondent in one segment; there is nothing for a quiz to tell apart.")
    if counts.min() < cv:
        raise MicrosegError(
            f"segment {classes[np.argmin(counts)]} has only {counts.min()} respondents, fewer than cv={cv} folds; "
            "lower cv or use more respondents."
        )
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    rs = check_random_state(random_state)
    splitter = StratifiedKFold(n_splits=cv, shuffle=True, random_state=rs.randint(np.iinfo(np.int32).max))
    folds = list(splitter.split(x, labels))

    def score(cols):
        if classifier == "lda":
            return _lda_cv_accuracy(x[:, cols], labels, folds, classes)
        s = cross_val_score(_make_classifier(classifier), x[:, cols], labels, cv=folds)
        return float(s.mean()), float(s.std())

    _make_classifier(classifier)  # validates the name early
    chosen: list[int] = []
    rows = []
    remaining = list(range(len(items)))
    reached = False
    while remaining and len(chosen) < max_items:
        with single_thread():
            results = [(score(chosen + [j]), j) for j in remaining]
        (acc, sd), best = max(results, key=lambda r: r[0][0])  # first best on ties: item order
        chosen.append(best)
        remaining.remove(best)
        rows.append({"n_items": len(chosen), "item": items[best], "accuracy": acc, "accuracy_sd": sd})
        if acc >= target_accuracy:
            reached = True
            break
    steps = pd.DataFrame(rows)
    if not reached:
        warnings.warn(
            f"golden_questions: {len(chosen)} items reach {steps['accuracy'].iloc[-1]:.0%} cross-validated "
            f"accuracy, short of the {target_accuracy:.0%} target; use the steps table to pick a size, "
            "lower target_accuracy, or raise max_items.",
            UserWarning,
            stacklevel=2,
        )
    clf = _make_classifier(classifier).fit(x[:, chosen], labels)
    quiz = Quiz(
        [items[j] for j in chosen], clf, model.medians_.to_numpy()[chosen], model.scale_range
    )
    return GoldenQuestions(
        items=tuple(items[j] for j in chosen),
        steps=steps,
        target_accuracy=float(target_accuracy),
        reached=reached,
        quiz=quiz,
        n_respondents=len(labels),
    )
