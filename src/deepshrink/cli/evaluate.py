"""`deepshrink evaluate`: accuracy of a trained run at every noise kind and SNR."""

from __future__ import annotations

from deepshrink.choices import EVAL_SEED
from deepshrink.cli._common import OneLineParser, add_quiet, command_parser, key_values, print_table
from deepshrink.engine.core.config import TEST_SCENARIO_KEYS, TrainConfig
from deepshrink.engine.core.option_types import NoiseKinds, SnrGrid
from deepshrink.errors import ConfigError

HELP = "accuracy of a trained run versus SNR (table + eval.json, eval.csv and figures)"
DESCRIPTION = """Evaluate a finished run on its test windows (rebuilt from the run's config.yaml, so they are
the windows it never trained on), or on the test split of --data, with noise of each kind at each SNR. Every
window gets noise from its own seed, so runs evaluated with the same --seed see the same noisy windows. Also
reports clean accuracy.

The test-side scenario options of `deepshrink train` (--scenario, --fold, --test-conditions, --test-groups,
--test-data) choose other test windows of the run's own data: e.g. the operating conditions a
cross-condition run left out. Test windows that share a sample with the run's training or validation
windows are refused.

examples:
  deepshrink evaluate --run runs/cw --noise gaussian,laplacian,pink --snr -10:5
  deepshrink evaluate --run runs/cwru-load0 --test-conditions 2HP,3HP
  deepshrink evaluate --run runs/cwru-fault --scenario cross-dataset --test-data uestc
"""


def main(argv: list[str], prog: str) -> int:
    """Evaluate, save, print the table and what was written."""
    p = OneLineParser(prog=prog, description=DESCRIPTION)
    p.add_argument("--run", required=True, metavar="RUN_DIR", help="run directory (or its model.json)")
    p.add_argument(
        "--data", help="data spec to evaluate on instead of the run's own (its test split is used)"
    )
    p.add_argument("--noise", default="gaussian", help="noise kinds, comma-separated (default gaussian)")
    p.add_argument(
        "--snr", default="-5:5", metavar="GRID", help="SNRs: LOW:HIGH[:STEP] or A,B,C dB (default -5:5)"
    )
    p.add_argument(
        "--seed", type=int, default=EVAL_SEED, help=f"evaluation noise seed (default {EVAL_SEED}, as train)"
    )
    p.add_argument(
        "--batch-size", type=int, default=1024, dest="batch_size", help="inference batch (default 1024)"
    )
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: the cores available)")
    p.add_argument(
        "--out", default=None, metavar="DIR",
        help="folder for eval.json, eval.csv and figures (default RUN/evaluate; the run's own eval.json, "
        "written when it trained, is kept)",
    )  # fmt: skip
    test_side = p.add_argument_group("other test windows (as in `deepshrink train`; default: the run's own)")
    # the help texts are the config's own declarations, as in `deepshrink train --help`
    declared = {a.dest: a.help for a in command_parser(TrainConfig, prog=prog, description="")._actions}
    for key in TEST_SCENARIO_KEYS:
        if key != "test_data_kwargs":
            test_side.add_argument(
                "--" + key.replace("_", "-"), dest=key, default=None, help=declared.get(key)
            )
    test_side.add_argument(
        "--test-data-arg", action="append", dest="test_data_arg", metavar="KEY=VALUE",
        help="test data loader argument, repeatable",
    )  # fmt: skip
    add_quiet(p)
    args = p.parse_args(argv)
    scenario = {k: getattr(args, k) for k in TEST_SCENARIO_KEYS if getattr(args, k, None) is not None}
    if args.test_data_arg:
        scenario["test_data_kwargs"] = key_values(args.test_data_arg, "--test-data-arg")
    try:
        kinds = NoiseKinds.parse(args.noise)  # the config's own type: the same choices and message
    except ValueError as err:
        raise ConfigError(f"--noise: {err}") from None
    try:
        snrs = SnrGrid.parse(args.snr)
    except ValueError as err:
        raise ConfigError(f"--snr: {err}") from None
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be >= 1, got {args.batch_size}")
    from deepshrink.engine.classify.evaluate import evaluate_run  # here: --help answers without torch
    from deepshrink.engine.core.runtime import configure_threads

    configure_threads(args.threads)
    records, written = evaluate_run(
        args.run,
        data=args.data,
        noise_kinds=kinds,
        snrs=snrs,
        seed=args.seed,
        batch_size=args.batch_size,
        scenario=scenario,
        out=args.out,
    )
    rows = [
        (
            "clean" if r["snr_db"] is None else r["noise"],  # the label `train` prints
            "-" if r["snr_db"] is None else f"{r['snr_db']:g}",
            f"{r['accuracy']:.2f}",
            f"{r['macro_f1']:.3f}",
            r["n"],
        )
        for r in records
    ]
    print_table(
        f"{records[0]['model']}: test accuracy", ["noise", "SNR dB", "accuracy %", "macro F1", "n"], rows
    )
    if not args.quiet:
        print("wrote " + ", ".join(str(p) for p in written))
    return 0
