"""Export a model's transformer to ONNX, once, in its own process: `python -m components.models.onnx_export`.

`components.models.onnx_encoder.ensure_onnx` starts this in a subprocess, so the server process never
imports torch for it. An export is two files: the graph (`model.onnx`, ~170 KB: the operations)
and its weights (`model.onnx.data`, 90 MB, stored as ONNX "external data").

Two ways to make one, the first that applies:
1. **Assemble** (no torch): the graph of this architecture ships with the app
   (`sample_data/onnx/<sha of config.json>.onnx`, made by way 2 with `--ship-graph`); the weights
   are copied tensor by tensor from the model's `model.safetensors`, each checked against the
   graph's name, dtype and shape. ~1 s and ~100 MB: a fresh container (Streamlit Community Cloud
   wakes a sleeping app into one) never needs torch for the packaged model.
2. **Trace** with `torch.onnx.export` from a small module whose `forward` passes `input_ids`,
   `attention_mask` and `token_type_ids` by keyword and returns `last_hidden_state` (batch and
   length axes dynamic), *without* its weights (`export_params=False`: they become graph inputs);
   the weights are then streamed tensor by tensor into the external data file. Tracing with the
   weights inside costs ~180 MB more at the peak (the graph and its serialised copy each hold all
   90 MB): measured 780 MB vs 600 MB here. Random weights (`--random-seed`) are attached to the
   shipped graph when there is one (no tracing): a plain BERT's are drawn in numpy exactly as
   torch draws them (`components.models.random_weights`: no torch, 526 MB -> 189 MB at the peak),
   others by torch.

Usage:
    python -m components.models.onnx_export MODEL_DIR OUT_DIR [--random-seed SEED]
    python -m components.models.onnx_export MODEL_DIR --ship-graph   # write sample_data/onnx/<sha>.onnx
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from components.core.paths import SAMPLE_DIR

ONNX_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
INFO_FILE = "export.json"  # written last: its presence means the export is complete
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"
OPSET = 18
SHIPPED_GRAPHS = SAMPLE_DIR / "onnx"
_PREFIX = "transformer."  # the wrapper's attribute name: graph weight names start with it


def config_digest(transformer_dir: str | Path) -> str:
    """sha256 (16 hex) of the transformer's config.json: the key of its architecture's graph."""
    return hashlib.sha256((Path(transformer_dir) / "config.json").read_bytes()).hexdigest()[:16]


def shipped_graph(transformer_dir: str | Path) -> Path | None:
    path = SHIPPED_GRAPHS / f"{config_digest(transformer_dir)}.onnx"
    return path if path.exists() else None


def load_transformer(model_dir: str, random_seed: int | None = None):
    """The Hugging Face transformer a sentence-transformers folder starts with, in eval mode.

    With `random_seed`, the same architecture with random weights, built exactly as
    `untrained_copy` builds it (`AutoModel.from_config` under `torch.manual_seed(seed)`).
    """
    import torch
    from transformers import AutoConfig, AutoModel

    if random_seed is None:
        return AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    config = copy.deepcopy(AutoConfig.from_pretrained(model_dir, local_files_only=True))
    with torch.random.fork_rng():
        torch.manual_seed(random_seed)
        return AutoModel.from_config(config).eval()


def trace_graph(model_dir: str, graph_file: Path, random_seed: int | None = None):
    """Trace the transformer into `graph_file` with its weights as graph inputs (torch).

    Returns:
        name -> numpy array of every weight input (the transformer's state, shared memory).
    """
    import torch

    torch.set_num_threads(1)  # tracing is light; leave the other core to the server
    transformer = load_transformer(model_dir, random_seed)

    class LastHiddenState(torch.nn.Module):
        def __init__(self, transformer: torch.nn.Module) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):
            output = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return output.last_hidden_state  # (batch, tokens, dim)

    wrapper = LastHiddenState(transformer).eval()
    input_ids = torch.tensor([[101, 7592, 2088, 102, 0], [101, 7592, 2088, 2088, 102]])
    example = (input_ids, (input_ids != 0).long(), torch.zeros_like(input_ids))
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            example,
            str(graph_file),
            export_params=False,
            do_constant_folding=False,  # keeps every weight input named after its parameter
            dynamo=False,
            input_names=list(INPUT_NAMES),
            output_names=[OUTPUT_NAME],
            dynamic_axes={name: axes for name in (*INPUT_NAMES, OUTPUT_NAME)},
            opset_version=OPSET,
        )
    return {name: tensor.detach().cpu().numpy() for name, tensor in wrapper.state_dict().items()}


def weight_names(graph) -> list[str]:
    """The graph inputs that are weights (everything but the three token inputs)."""
    return [
        graph_input.name for graph_input in graph.graph.input if graph_input.name not in INPUT_NAMES
    ]


def attach_weights(graph, weight: Callable[[str], object], data_file: Path) -> None:
    """Turn the graph's weight inputs into initializers stored in `data_file`, one at a time.

    Args:
        graph: the loaded ONNX model whose weights are graph inputs (changed in place).
        weight: name -> numpy array of that weight (only one is held at a time).

    Raises:
        ValueError: a weight is missing or its dtype or shape differs from the graph's.
    """
    import numpy as np
    from onnx import TensorProto, helper

    names = weight_names(graph)
    declared = {graph_input.name: graph_input for graph_input in graph.graph.input}
    with open(data_file, "wb") as data:
        for name in names:
            array = np.ascontiguousarray(weight(name))
            tensor_type = declared[name].type.tensor_type
            shape = [dim.dim_value for dim in tensor_type.shape.dim]
            if tensor_type.elem_type != helper.np_dtype_to_tensor_dtype(array.dtype) or (
                shape and list(array.shape) != shape
            ):
                raise ValueError(f"{name}: {array.dtype} {array.shape} does not fit the graph")
            offset = data.tell()
            data.write(memoryview(array).cast("B"))  # no copy of a 47 MB embedding table
            tensor = TensorProto()
            tensor.name = name
            tensor.data_type = tensor_type.elem_type
            tensor.dims.extend(array.shape)
            tensor.data_location = TensorProto.EXTERNAL
            for key, value in (
                ("location", data_file.name),
                ("offset", str(offset)),
                ("length", str(array.nbytes)),
            ):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
            graph.graph.initializer.append(tensor)
    kept = [graph_input for graph_input in graph.graph.input if graph_input.name in INPUT_NAMES]
    del graph.graph.input[:]
    graph.graph.input.extend(kept)


def assemble(transformer_dir: Path, out_dir: Path) -> bool:
    """Way 1: the shipped graph + the weights read from model.safetensors (no torch).

    Returns:
        False when there is no shipped graph for this architecture, no safetensors file, or the
        weights do not match the graph (then trace instead).
    """
    import onnx
    from safetensors import SafetensorError, safe_open

    graph_file, weights_file = shipped_graph(transformer_dir), transformer_dir / "model.safetensors"
    if graph_file is None or not weights_file.exists():
        return False
    graph = onnx.load(str(graph_file))
    try:
        with safe_open(str(weights_file), framework="np") as weights:
            available = set(weights.keys())
            if not all(name.removeprefix(_PREFIX) in available for name in weight_names(graph)):
                return False
            attach_weights(
                graph,
                lambda name: weights.get_tensor(name.removeprefix(_PREFIX)),
                out_dir / DATA_FILE,
            )
    except (ValueError, OSError, SafetensorError):
        return False
    onnx.save(graph, str(out_dir / ONNX_FILE))
    return True


def random_state(model_dir: str, random_seed: int | None) -> tuple[dict, str]:
    """Graph weight name -> numpy array of the random-weights transformer, and how it was drawn:
    in numpy, replaying torch's generator, for a plain BERT (no torch: 189 MB instead of 526 MB
    at the subprocess's peak); otherwise by torch itself."""
    from components.models.random_weights import bert_random_state, is_replayable, read_config

    config = read_config(model_dir)
    if random_seed is not None and is_replayable(config):
        state = bert_random_state(config, random_seed)
        method = "shipped graph + random weights replayed in numpy"
    else:
        transformer = load_transformer(model_dir, random_seed)
        state = {
            name: tensor.detach().cpu().numpy() for name, tensor in transformer.state_dict().items()
        }
        method = "shipped graph + torch weights"
    return {f"{_PREFIX}{name}": array for name, array in state.items()}, method


def export_transformer(model_dir: str, out_dir: Path, random_seed: int | None = None) -> str:
    """Write `ONNX_FILE`, `DATA_FILE` and `INFO_FILE` for the model's transformer into `out_dir`.

    Returns:
        How it was made: "assembled" (shipped graph + safetensors, no torch), "shipped graph +
        random weights replayed in numpy" (a plain BERT's random weights, no torch), "shipped
        graph + torch weights" (other random weights: drawn by torch, no tracing) or "traced".
    """
    import onnx

    started = time.perf_counter()
    method = "assembled"
    if random_seed is not None or not assemble(Path(model_dir), out_dir):
        graph_file, state = shipped_graph(model_dir), None
        if graph_file is not None:  # no tracing: ~200 MB less at the peak
            graph = onnx.load(str(graph_file))
            state, method = random_state(model_dir, random_seed)
            if not all(name in state for name in weight_names(graph)):
                state = None
        if state is None:
            method = "traced"
            graph_file = out_dir / ONNX_FILE
            state = trace_graph(model_dir, graph_file, random_seed)
            graph = onnx.load(str(graph_file))
        attach_weights(graph, state.__getitem__, out_dir / DATA_FILE)
        onnx.save(graph, str(out_dir / ONNX_FILE))
    info = {
        "model_dir": model_dir,
        "random_seed": random_seed,
        "method": method,
        "torch_imported": "torch" in sys.modules,
        "onnx_opset": OPSET,
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out_dir / INFO_FILE).write_text(json.dumps(info, indent=1))
    return method


def ship_graph(model_dir: str) -> Path:
    """Trace the graph (without weights) of this architecture into `SHIPPED_GRAPHS`."""
    SHIPPED_GRAPHS.mkdir(parents=True, exist_ok=True)
    target = SHIPPED_GRAPHS / f"{config_digest(model_dir)}.onnx"
    trace_graph(model_dir, target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="the transformer's folder (config.json, weights)")
    parser.add_argument("out_dir", nargs="?", help="an existing, empty folder for the export")
    parser.add_argument("--random-seed", type=int, default=None)
    parser.add_argument("--ship-graph", action="store_true", help="write the graph to ship")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        os.nice(10)  # the server's pages come first: this runs once, it can wait for a core
    except (AttributeError, OSError):
        pass
    if args.ship_graph:
        print(f"wrote {ship_graph(args.model_dir)}")
        return 0
    if args.out_dir is None:
        parser.error("OUT_DIR is required")
    print(export_transformer(args.model_dir, Path(args.out_dir), args.random_seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
