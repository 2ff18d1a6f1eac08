"""Export a model's transformer to ONNX, once, in its own process: `python -m components.onnx_export`.

This is the only code of the ONNX path that imports torch, and it runs in a subprocess that
`components.onnx_encoder.ensure_onnx` starts, so the server process never imports torch for it.

The graph is traced with `torch.onnx.export` from a small module whose `forward` passes
`input_ids`, `attention_mask` and `token_type_ids` by keyword and returns `last_hidden_state`
(batch and length axes dynamic). It is traced *without* its weights (`export_params=False`: they
become graph inputs); the weights are then streamed tensor by tensor into an external data file
and declared as initializers. Tracing with the weights inside costs ~180 MB more at the peak
(the graph and its serialised copy each hold all 90 MB): measured 780 MB vs 600 MB here.

Usage:
    python -m components.onnx_export MODEL_DIR OUT_DIR [--random-seed SEED]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

ONNX_FILE = "model.onnx"
DATA_FILE = "model.onnx.data"
INFO_FILE = "export.json"  # written last: its presence means the export is complete
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "last_hidden_state"
OPSET = 18
_PREFIX = "transformer."  # the wrapper's attribute name: parameter names start with it


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


def export_transformer(model_dir: str, out_dir: Path, random_seed: int | None = None) -> None:
    """Write `ONNX_FILE`, `DATA_FILE` and `INFO_FILE` for the model's transformer into `out_dir`."""
    import onnx
    import torch

    torch.set_num_threads(1)  # tracing is light; leave the other core to the server
    started = time.perf_counter()
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
    graph_file = out_dir / ONNX_FILE
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
    model = onnx.load(str(graph_file))
    state = wrapper.state_dict()
    _attach_external_weights(model, state, out_dir / DATA_FILE)
    onnx.save(model, str(graph_file))
    info = {
        "model_dir": model_dir,
        "random_seed": random_seed,
        "torch": torch.__version__,
        "onnx_opset": OPSET,
        "seconds": round(time.perf_counter() - started, 2),
    }
    (out_dir / INFO_FILE).write_text(json.dumps(info, indent=1))


def _attach_external_weights(model, state: dict, data_file: Path) -> None:
    """Turn the graph's weight inputs into initializers stored in `data_file`, one at a time."""
    from onnx import TensorProto, helper

    weights = [graph_input for graph_input in model.graph.input if graph_input.name in state]
    missing = [
        graph_input.name
        for graph_input in model.graph.input
        if graph_input.name not in state and graph_input.name not in INPUT_NAMES
    ]
    if missing:
        raise RuntimeError(f"graph inputs without a weight: {missing[:5]}")
    with open(data_file, "wb") as data:
        for graph_input in weights:
            array = state[graph_input.name].detach().cpu().numpy()
            offset = data.tell()
            data.write(array.tobytes())
            tensor = TensorProto()
            tensor.name = graph_input.name
            tensor.data_type = helper.np_dtype_to_tensor_dtype(array.dtype)
            tensor.dims.extend(array.shape)
            tensor.data_location = TensorProto.EXTERNAL
            for key, value in (
                ("location", data_file.name),
                ("offset", str(offset)),
                ("length", str(array.nbytes)),
            ):
                entry = tensor.external_data.add()
                entry.key, entry.value = key, value
            model.graph.initializer.append(tensor)
    names = {graph_input.name for graph_input in weights}
    kept = [graph_input for graph_input in model.graph.input if graph_input.name not in names]
    del model.graph.input[:]
    model.graph.input.extend(kept)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", help="a sentence-transformers model folder")
    parser.add_argument("out_dir", help="an existing, empty folder to write the export into")
    parser.add_argument("--random-seed", type=int, default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    export_transformer(args.model_dir, Path(args.out_dir), args.random_seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
