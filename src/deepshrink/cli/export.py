"""`deepshrink export`: a trained run as ONNX, checked against PyTorch in onnxruntime."""

from __future__ import annotations

from deepshrink.cli._common import OneLineParser

HELP = "export a trained run to ONNX and check it against PyTorch with onnxruntime"
DESCRIPTION = """Export the run's model (input "x" (batch, channels, window), output "logits", dynamic batch).
The file is then run in onnxruntime and compared with PyTorch: the max abs difference is printed, and the
export fails (exit 2, file removed) if it exceeds --atol. Normalisation (model.json "normalize") is not in the
graph. Needs the export extra: pip install "deepshrink[export]".

example:
  deepshrink export --run runs/cw --format onnx --out cw.onnx
"""


def main(argv: list[str], prog: str) -> int:
    """Export and check."""
    p = OneLineParser(prog=prog, description=DESCRIPTION)
    p.add_argument("--run", required=True, metavar="RUN_DIR", help="run directory (or its model.json)")
    p.add_argument("--format", default="onnx", choices=("onnx",), help="export format (default onnx)")
    p.add_argument("--out", required=True, metavar="FILE", help="output file (.onnx)")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    p.add_argument(
        "--atol", type=float, default=1e-4, help="largest accepted |ONNX - PyTorch| (default 1e-4)"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    args = p.parse_args(argv)
    from deepshrink.engine.classify.export import export_onnx
    from deepshrink.engine.core.artifacts import check_run_kind, load_model, read_meta  # after parsing

    check_run_kind(read_meta(args.run), "classification")
    model, meta = load_model(args.run)
    diff = export_onnx(model, meta, args.out, opset=args.opset, atol=args.atol)
    if not args.quiet:
        print(f"wrote {args.out} (onnxruntime vs PyTorch max abs diff {diff:.2e})")
    return 0
