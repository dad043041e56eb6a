"""The text task in the shared run: MiniLM + logistic regression teaches the hashed n-gram student.

Per seed the teacher's head is fitted on the labelled examples the student sees (the few labels a
team has), then labels every training text; arms, seeds, timings and metrics are the shared run's.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from aueb.distill import minilm
from aueb.distill.data import Dataset
from aueb.distill.text import BUCKETS, HashedNgramStudent, ServedStudent, fit_linear, ngram_matrix
from aueb.distill.train import Progress, Settings, Task, Teachers, choose_labelled

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


class TextTask(Task):
    features = None  # the training texts' n-gram matrix, built once per run and shared by every arm and seed

    def teachers(self, data: Dataset, settings: Settings, progress: Progress) -> Teachers:
        texts = data.texts_train + data.texts_test
        encoder = minilm.load_encoder()
        embeddings, cached = minilm.embed(
            texts, lambda done, total, message: progress("embed", done, total, message), encoder
        )
        self.cached = cached
        train, test = embeddings[: len(data.texts_train)], embeddings[len(data.texts_train) :]
        bf16 = minilm.bf16_supported()
        tokens = minilm.mean_tokens(encoder, data.texts_test)
        result = Teachers(f"{minilm.MODEL_NAME} + logistic regression", [], [])
        for i, seed in enumerate(settings.seeds):
            rows = choose_labelled(data.y_train, settings.labels_per_class, seed)
            coef, intercept = _head(train[rows], data.y_train[rows], data.classes, seed)
            result.logits_train.append(torch.from_numpy(train @ coef.T + intercept))
            result.test_predictions.append(torch.from_numpy((test @ coef.T + intercept).argmax(axis=1)))
            if result.served is None:
                result.served = minilm.TextTeacher(encoder, coef, intercept, bf16, tokens)
            progress("teacher", i + 1, len(settings.seeds), f"seed {seed}: head on {len(rows)} labelled texts")
        return result

    def student(self, data: Dataset, settings: Settings) -> nn.Module:
        student = HashedNgramStudent(data.classes)
        student.mean_ngrams = float((data.x_test != BUCKETS).sum(axis=1).mean())
        return student

    def train_student(
        self,
        arm: str,
        data: Dataset,
        labelled: torch.Tensor,
        teacher_logits: torch.Tensor,
        settings: Settings,
        seed: int,
    ) -> nn.Module:
        """The arm's loss, as on digits (alpha * true-label CE + (1 - alpha) * teacher term), minimised exactly:
        full-batch L-BFGS over every training text at once, from zero weights."""
        if self.features is None or self.features.shape[0] != len(data.x_train):
            self.features = ngram_matrix(data.x_train)
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
            self.features,
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
        return f"hashed word 1-2 + char 3-5-grams, {BUCKETS:,} buckets -> {data.classes} (linear, L2 {STUDENT_L2:g}, L-BFGS)"

    def served(self, student: nn.Module) -> nn.Module:
        return ServedStudent(student)

    def requests(self, data: Dataset):
        return data.texts_test
