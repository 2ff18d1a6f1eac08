"""The opt-in fast encoder: the ONNX export of `components.models.onnx_encoder`, quantised to int8.

Dynamic int8 quantisation (`onnxruntime.quantization.quantize_dynamic`) stores each weight matrix
in 8 bits and multiplies in integers: ~4x smaller and faster on a CPU, at a small cost in accuracy
that the lab measures and shows (bench/bench_int8.py, tests/unit/test_onnx_int8.py). It is never
the default: the exact path (fp32 ONNX, equal to sentence-transformers within 1e-5) is.

The recipe, and why (measured here on 2,000 sentences against the torch vectors):

1. Fold the constants first (onnxruntime's basic graph optimisation, written to a file). The
   export keeps weights behind `Transpose` nodes, so no `MatMul` has a constant weight input and
   `quantize_dynamic`, which only quantises a `MatMul` whose second input is constant, would
   leave the model in fp32.
2. `per_channel=True`: one scale per output column instead of one per matrix. With one scale
   per matrix, a few large weights squeeze all the others into a handful of int8 steps: mean
   cosine 0.964 (min 0.926) to the torch vectors; per channel: 0.9925 (min 0.979).
3. Signed int8 weights (`QInt8`) on every default operator (the MatMuls and the embedding
   Gather): 23 MB instead of 90 MB. Keeping the embeddings in fp32 (MatMul only) gave the same
   cosine (0.9928) at 59 MB; unsigned weights were slower here.

Quantisation runs once per model in a subprocess (`python -m components.models.onnx_int8 FP32_DIR
OUT_DIR`: ~300 MB at its peak, given back with the process) and is cached next to the export.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from components.models.onnx_encoder import OnnxEncoder
from components.models.onnx_export import INFO_FILE, ONNX_FILE
from components.models.onnx_files import (
    EXPORT_TIMEOUT_S,
    OnnxUnavailable,
    build_once,
    ensure_onnx,
    onnxruntime_errors,
    remove_leftovers,
)

RECIPE = "int8-per-channel-v1"  # in the cache folder's name: a new recipe gets a new folder


def quantize(fp32_dir: str | Path, out_dir: str | Path) -> None:
    """Write the int8 model (`ONNX_FILE`, weights inside) and `INFO_FILE` into `out_dir`."""
    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    started = time.perf_counter()
    fp32_dir, out_dir = Path(fp32_dir), Path(out_dir)
    with tempfile.TemporaryDirectory(dir=out_dir) as work:
        inline = Path(work) / "inline.onnx"  # weights inside: the optimiser rewrites one file
        onnx.save(onnx.load(str(fp32_dir / ONNX_FILE)), str(inline))
        folded = Path(work) / "folded.onnx"
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = str(folded)
        onnxruntime.InferenceSession(str(inline), options, providers=["CPUExecutionProvider"])
        quantize_dynamic(
            str(folded), str(out_dir / ONNX_FILE), per_channel=True, weight_type=QuantType.QInt8
        )
    seconds = round(time.perf_counter() - started, 2)
    info = {"recipe": RECIPE, "from": str(fp32_dir), "seconds": seconds}
    (out_dir / INFO_FILE).write_text(json.dumps(info, indent=1))


def int8_dir(fp32_dir: Path) -> Path:
    """Where the int8 model of one fp32 export is cached (next to it)."""
    return fp32_dir.parent / f"{fp32_dir.name}-{RECIPE}"


def ensure_int8(
    model_dir: str | Path,
    name: str,
    *,
    on_status: Callable[[str], None] | None = None,
    timeout: float = EXPORT_TIMEOUT_S,
) -> Path:
    """The folder with the int8 model, exporting (fp32) and quantising first when not cached.

    Like `ensure_onnx`: a subprocess writes into a temporary folder renamed into place, and a
    file lock makes a second process wait instead of quantising again.

    Raises:
        OnnxUnavailable: the model cannot take the ONNX path, or quantisation failed.
    """
    fp32 = ensure_onnx(model_dir, name, on_status=on_status, timeout=timeout)
    quantise = [sys.executable, "-m", "components.models.onnx_int8", str(fp32)]
    return build_once(
        int8_dir(fp32),
        lambda partial: [*quantise, str(partial)],
        lambda folder: (folder / INFO_FILE).exists(),
        "int8 quantisation",
        "Quantising the model to int8 (once per server, ~10 s)…",
        on_status=on_status,
        timeout=timeout,
    )


class Int8Encoder(OnnxEncoder):
    """`OnnxEncoder` on the int8 model: the same tokenizer, pooling and normalisation; only the
    transformer's weights are quantised. Its vectors are close to the exact ones, not equal
    (mean cosine >= 0.99, tests/unit/test_onnx_int8.py). If quantisation is impossible, the
    exact transformer runs instead and `runtime` says so ("torch (fallback)")."""

    def _onnx_runner(self, on_status: Callable[[str], None] | None):
        folder = ensure_int8(self.model_dir, self.name, on_status=on_status)
        damaged, failed = onnxruntime_errors()
        try:
            try:
                session = self._open(folder)
            except damaged:  # a corrupt or incomplete file: quantise again, once
                remove_leftovers(folder)
                session = self._open(ensure_int8(self.model_dir, self.name, on_status=on_status))
        except failed as error:  # the files stay: the exact transformer runs instead
            raise OnnxUnavailable(f"onnxruntime cannot open the int8 model: {error}") from error
        return lambda arrays: session.run(None, arrays)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fp32_dir", help="a folder written by components.models.onnx_export")
    parser.add_argument("out_dir", help="an existing, empty folder for the int8 model")
    args = parser.parse_args(argv)
    quantize(args.fp32_dir, args.out_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
