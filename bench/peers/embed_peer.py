"""Peer for `nextraction bench embed`: sentence-transformers all-MiniLM-L6-v2 on PyTorch CPU.

Reads the same texts and queries the Swift benchmark used (JSON files it writes), encodes
them at each thread count, and prints one JSON object with the same keys as the Swift side:
{"threads": {"1": {"docs_per_s", "tokens_per_s", "gflops", "query_p50_ms", "query_p95_ms"}, ...},
 "peak_rss_mb", "versions": {...}}.

Run by the benchmark inside the venv it creates (.build/venv-peers); not used by the server.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import torch  # noqa: E402
import sentence_transformers  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402


def encoder_flops(lengths, hidden=384, intermediate=1536, layers=6):
    """Same formula as the Swift side: dense layers plus attention, multiply-adds count 2."""
    tokens = sum(lengths)
    dense = 2 * tokens * (3 * hidden * hidden + hidden * hidden + 2 * hidden * intermediate)
    attention = sum(4 * n * n * hidden for n in lengths)
    return layers * (dense + attention)


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--texts", required=True, help="JSON list of documents")
    parser.add_argument("--queries", required=True, help="JSON list of short queries")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()

    texts = json.load(open(args.texts))
    queries = json.load(open(args.queries))
    model = SentenceTransformer(args.model, device="cpu")
    model.max_seq_length = 256
    lengths = [len(ids) for ids in model.tokenizer(texts, truncation=True, max_length=256)["input_ids"]]
    flops = encoder_flops(lengths)

    results = {}
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        with torch.inference_mode():
            model.encode(texts[: args.batch_size], batch_size=args.batch_size, normalize_embeddings=True)
            start = time.perf_counter()
            model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True)
            elapsed = time.perf_counter() - start
            for query in queries[:10]:
                model.encode([query], normalize_embeddings=True)
            latencies = []
            for query in queries:
                t0 = time.perf_counter()
                model.encode([query], normalize_embeddings=True)
                latencies.append((time.perf_counter() - t0) * 1000)
        results[str(threads)] = {
            "docs_per_s": len(texts) / elapsed,
            "tokens_per_s": sum(lengths) / elapsed,
            "gflops": flops / elapsed / 1e9,
            "seconds": elapsed,
            "query_p50_ms": statistics.median(latencies),
            "query_p95_ms": percentile(latencies, 0.95),
        }
    print(json.dumps({
        "threads": results,
        "tokens": sum(lengths),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "versions": {"torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__,
                     "python": sys.version.split()[0]},
    }))


if __name__ == "__main__":
    main()
