"""The shape of the package: imports point down the layers, no import cycles, one Trainer, no hand loops."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "deepshrink"

# lowest first (docs/architecture.md); a module may import its own layer and the layers below
LAYERS = {
    "errors": 0,
    "atomic": 0,
    "choices": 0,
    "lazy": 0,
    "formatting": 0,
    "paper": 0,
    "functional": 1,
    "losses": 1,
    "layers": 2,
    "transforms": 2,
    "plots": 2,
    "models": 3,
    "data": 4,
    "tasks": 5,
    "engine": 6,
    "benchmark": 7,
    "sklearn": 7,
    "cli": 8,
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The deepshrink modules `path` imports (anywhere in the file, function-local ones included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
        for name in names:
            if name.startswith("deepshrink"):
                while name not in modules and "." in name:
                    name = name.rsplit(".", 1)[0]
                if name in modules:
                    found.add(name)
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        deps = _imports(path, modules) - {name}
        # `from deepshrink.x import y` inside package x's own modules is an import of a sibling, not of x's
        # __init__ (which Python has loaded first): keep the edge to the sibling only
        graph[name] = {d for d in deps if not (name.startswith(d + ".") and d.count(".") >= 1)}
    return graph


def test_imports_point_down_the_layers():
    wrong = []
    for module, deps in _graph().items():
        if module == "deepshrink":  # the package's lazy facade (create_model, list_models)
            continue
        mine = _layer(module)
        for dep in deps:
            theirs = _layer(dep)
            if mine is not None and theirs is not None and theirs > mine:
                wrong.append(f"{module} -> {dep}")
    assert not wrong, wrong


def test_no_import_cycles():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycles.append([*stack[stack.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_one_trainer_and_no_hand_written_training_loop():
    trainers, backwards = [], []
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        trainers += [
            path.name for line in text.splitlines() if "Trainer(" in line and not line.strip().startswith("#")
        ]
        backwards += [
            path.name for line in text.splitlines() if ".backward(" in line and "def backward" not in line
        ]
    assert trainers == ["fit.py"], trainers
    # autograd.Function backward passes of the fused kernels are not training loops
    assert all(name in ("_fused.py", "losses.py") for name in backwards), backwards


def test_function_local_imports_are_optional_dependencies_or_noted():
    # optional extras, and the package facade (`import deepshrink` stays 0.05 s instead of 2.9 s: noted there)
    allowed = {"ray", "ray.util.queue", "h5py", "rarfile", "deepshrink"}
    # the command line imports the engine after parsing, and the configs import torch only to ask for CUDA or
    # the model registry:
    # so every --help and usage error answers without torch (tests/test_cli_parsing.py checks that)
    late = {"cli"}
    found = []
    for path in SRC.rglob("*.py"):
        if path.parent.name in late or (
            path.name in ("config.py", "run_options.py") and path.parent.name in ("core", "benchmark")
        ):
            continue
        tree = ast.parse(path.read_text())
        for func in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    found += [(path.name, a.name) for a in node.names if a.name not in allowed]
                elif isinstance(node, ast.ImportFrom) and node.module not in allowed:
                    found.append((path.name, node.module))
    assert not found, found


def test_one_inference_path():
    # normalise -> network is written once (engine/classify/inference.py: evaluate, predict, the estimator and
    # the ONNX export run it), and "is this a DRSN" is one function, not a class-name string (24)
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        # the training task's forward normalises its (noisy) batches too: training, one layer below
        if path.name not in ("inference.py", "classification.py") and re.search(r"\(\s*normalize\(", text):
            offenders += [f"{path.name}:{i}" for i, line in enumerate(text.splitlines(), 1)
                          if re.search(r"model_?\(\s*normalize\(", line)]  # fmt: skip
        if '__name__ == "Shrinkage"' in text:
            offenders.append(f"{path.name}: class-name test for Shrinkage")
    assert not offenders, offenders


# the rooms by product inside engine/ (33): a product imports the shared core, never another product, except
# the monitor, whose DAE is trained as a denoiser
ENGINE_ROOMS = {
    "core": set(),
    "classify": {"core"},
    "denoise": {"core"},
    "monitor": {"core", "denoise"},
    "diagnose": {"core"},
}
DATA_ROOMS = ("readers", "sets", "simulate", "split")


def test_engine_rooms_import_only_the_core():
    wrong = []
    for module, deps in _graph().items():
        parts = module.split(".")
        if parts[:2] != ["deepshrink", "engine"] or len(parts) < 4:
            continue
        room = parts[2]
        assert room in ENGINE_ROOMS, f"{module}: engine/{room}/ is not a room of docs/architecture.md"
        for dep in deps:
            d = dep.split(".")
            if (
                d[:2] == ["deepshrink", "engine"]
                and len(d) > 2
                and d[2] != room
                and d[2] not in ENGINE_ROOMS[room]
            ):
                wrong.append(f"{module} -> {dep}")
    assert not wrong, wrong


def test_engine_and_data_hold_rooms_not_corridors():
    for layer, rooms, top in (
        ("engine", ENGINE_ROOMS, {"__init__.py"}),
        ("data", DATA_ROOMS, {"__init__.py", "recording.py"}),
    ):
        folder = SRC / layer
        assert {p.name for p in folder.glob("*.py")} == top, f"{layer}/ holds files beside its rooms"
        assert {p.name for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(rooms)
