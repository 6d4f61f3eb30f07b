"""Peers for `nextraction bench embed`: all-MiniLM-L6-v2 on CPU as a user would run it elsewhere.

Engines: sentence-transformers on PyTorch ("pytorch"); ONNX Runtime fp32 ("ort_fp32") on the
same weights exported with torch.onnx; ONNX Runtime int8 ("ort_int8"), that export quantised
with onnxruntime's quantize_dynamic (int8 weights per channel, dynamic u8 activations: what
fastembed, Chroma and txtai ship). ORT runs length-sorted batches of 32 padded to the batch's
longest text, then mean pooling over the mask and L2 normalisation, as fastembed does.

Reads the same texts and queries the Swift benchmark used (JSON files it writes), encodes
them at each thread count, and prints one JSON object:
{"engines": {"pytorch": {"threads": {"1": {"docs_per_s", "tokens_per_s", "gflops",
 "query_p50_ms", "query_p95_ms"}, ...}, "peak_rss_mb"}, "ort_fp32": ..., "ort_int8": ...},
 "tokens", "versions": {...}}. Each engine runs in a child process of its own, so its peak
RSS is its own.

Run by the benchmark inside the venv it creates (.build/venv-peers); not used by the server.
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
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


def measure(encode, texts, queries, lengths, batch_size):
    """docs/s, tokens/s, GFLOP/s over `texts` and single-query latency, for one thread count."""
    encode(texts[:batch_size])
    start = time.perf_counter()
    encode(texts)
    elapsed = time.perf_counter() - start
    for query in queries[:10]:
        encode([query])
    latencies = []
    for query in queries:
        t0 = time.perf_counter()
        encode([query])
        latencies.append((time.perf_counter() - t0) * 1000)
    return {
        "docs_per_s": len(texts) / elapsed,
        "tokens_per_s": sum(lengths) / elapsed,
        "gflops": encoder_flops(lengths) / elapsed / 1e9,
        "seconds": elapsed,
        "query_p50_ms": statistics.median(latencies),
        "query_p95_ms": percentile(latencies, 0.95),
    }


def pytorch_engine(args, model, threads):
    torch.set_num_threads(threads)

    def encode(batch):
        with torch.inference_mode():
            return model.encode(batch, batch_size=args.batch_size, normalize_embeddings=True)
    return encode


def export_onnx(model, directory):
    """The transformer exported from the same weights, and its dynamic int8 quantisation."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    fp32 = os.path.join(directory, "model.onnx")
    int8 = os.path.join(directory, "model-int8.onnx")
    if not os.path.exists(fp32):
        bert = model[0].auto_model.eval()

        class Encoder(torch.nn.Module):
            """The transformer with positional inputs (its own forward takes them by keyword)."""
            def __init__(self):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                                 token_type_ids=token_type_ids).last_hidden_state

        encoder = Encoder().eval()
        sample = model.tokenizer(["an example sentence"], return_tensors="pt")
        names = ["input_ids", "attention_mask", "token_type_ids"]
        dynamic = {name: {0: "batch", 1: "sequence"} for name in names}
        dynamic["last_hidden_state"] = {0: "batch", 1: "sequence"}
        with torch.inference_mode():
            torch.onnx.export(encoder, tuple(sample[name] for name in names), fp32, input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=dynamic, opset_version=17, dynamo=False)
    if not os.path.exists(int8):
        quantize_dynamic(fp32, int8, weight_type=QuantType.QInt8, per_channel=True)
    return fp32, int8


def ort_engine(args, model, path, threads):
    import numpy as np
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    wanted = {i.name for i in session.get_inputs()}
    tokenizer = model.tokenizer

    def encode(batch):
        order = sorted(range(len(batch)), key=lambda i: -len(batch[i]))
        out = [None] * len(batch)
        for start in range(0, len(order), args.batch_size):
            ids = order[start:start + args.batch_size]
            encoded = tokenizer([batch[i] for i in ids], truncation=True, max_length=256, padding=True, return_tensors="np")
            feed = {k: v.astype(np.int64) for k, v in encoded.items() if k in wanted}
            hidden = session.run(None, feed)[0]
            mask = encoded["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for row, i in enumerate(ids):
                out[i] = pooled[row]
        return out
    return encode


def run_engine(args):
    texts = json.load(open(args.texts))
    queries = json.load(open(args.queries))
    model = SentenceTransformer(args.model, device="cpu")
    model.max_seq_length = 256
    lengths = [len(ids) for ids in model.tokenizer(texts, truncation=True, max_length=256)["input_ids"]]
    paths = export_onnx(model, args.work) if args.engine.startswith("ort") else None
    results = {}
    for threads in [int(t) for t in args.threads.split(",")]:
        if args.engine == "pytorch":
            encode = pytorch_engine(args, model, threads)
        else:
            encode = ort_engine(args, model, paths[0] if args.engine == "ort_fp32" else paths[1], threads)
        results[str(threads)] = measure(encode, texts, queries, lengths, args.batch_size)
    print(json.dumps({"threads": results, "tokens": sum(lengths),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--texts", required=True, help="JSON list of documents")
    parser.add_argument("--queries", required=True, help="JSON list of short queries")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--engines", default="pytorch,ort_fp32,ort_int8")
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine:
        run_engine(args)
        return

    import onnxruntime
    engines = {}
    tokens = 0
    with tempfile.TemporaryDirectory() as work:
        for engine in args.engines.split(","):
            child = subprocess.run([sys.executable, __file__, "--engine", engine, "--work", work] + sys.argv[1:],
                                   capture_output=True, text=True)
            if child.returncode != 0:
                sys.stderr.write(child.stderr)
                raise SystemExit(f"peer engine {engine} failed")
            result = json.loads(child.stdout.strip().splitlines()[-1])
            tokens = result["tokens"]
            engines[engine] = {"threads": result["threads"], "peak_rss_mb": result["peak_rss_mb"]}
    print(json.dumps({
        "engines": engines,
        "tokens": tokens,
        "versions": {"torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__,
                     "onnxruntime": onnxruntime.__version__, "python": sys.version.split()[0]},
    }))


if __name__ == "__main__":
    main()
