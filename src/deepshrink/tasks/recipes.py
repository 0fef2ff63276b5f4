"""Optimisation recipes: the paper's SGD schedule and a modern AdamW default.

Both apply weight decay to convolution and linear weights only: BatchNorm parameters and biases are not
decayed (decaying BN scales only fights the normalisation and slows training).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from deepshrink.choices import SCHEDULES  # declared once, light to import
from deepshrink.errors import ConfigError


@dataclass(frozen=True)
class Recipe:
    """Defaults of one recipe (each can be overridden by the config)."""

    name: str
    optimizer: str
    lr: float
    weight_decay: float
    batch_size: int
    early_stopping: bool
    description: str


#: the recipes and schedules (the config's choices come from these declarations)

RECIPES: dict[str, Recipe] = {
    "paper": Recipe(
        "paper",
        "sgd",
        0.1,
        1e-4,
        128,
        False,
        "Zhao et al. 2020: SGD lr 0.1 momentum 0.9, x0.1 at 40 % and 80 % of the epochs, wd 1e-4, batch 128",
    ),
    # 3e-3 is the rate every CWRU benchmark in docs/benchmarks.md used (measured best of 1e-3 / 3e-3)
    "adamw": Recipe(
        "adamw",
        "adamw",
        3e-3,
        1e-2,
        128,
        True,
        "AdamW lr 3e-3 wd 1e-2, linear warmup then cosine (or one-cycle, or constant) per step, batch 128",
    ),
}


def get_recipe(name: str) -> Recipe:
    """The recipe called `name` (ConfigError when unknown)."""
    try:
        return RECIPES[name]
    except KeyError:
        raise ConfigError(
            f"unknown recipe {name!r}; choose one of {', '.join(RECIPES)}", key="recipe"
        ) from None


def param_groups(model: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Two groups: conv/linear weights (decayed) and everything else (BN, biases, thresholds: not decayed)."""
    decay, no_decay, seen = [], [], set()
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if not param.requires_grad or id(param) in seen:
                continue
            seen.add(id(param))
            is_weight = name == "weight" and isinstance(module, (nn.modules.conv._ConvNd, nn.Linear))
            (decay if is_weight else no_decay).append(param)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]


def paper_milestones(epochs: int) -> list[int]:
    """Epochs after which the paper's schedule divides the learning rate by 10 (40 % and 80 % of the run)."""
    return sorted({max(1, round(0.4 * epochs)), max(1, round(0.8 * epochs))})


def warmup_cosine(step: int, *, total: int, warmup: int) -> float:
    """Learning-rate factor: linear warmup from ~0 to 1 over `warmup` steps, then cosine to 0 at `total`."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return 0.5 * (1.0 + math.cos(math.pi * progress))


def configure_optimization(
    model: nn.Module,
    *,
    recipe: str,
    epochs: int,
    steps_per_epoch: int,
    lr: float | None = None,
    weight_decay: float | None = None,
    schedule: str = "cosine",
    warmup_epochs: float | None = None,
) -> dict[str, Any]:
    """Optimizer and scheduler in Lightning's `configure_optimizers` format for `recipe`.

    paper: SGD (momentum 0.9) with MultiStepLR stepping per epoch at `paper_milestones(epochs)`.
    adamw: AdamW with, per optimizer step, linear warmup (`warmup_epochs`, default 5 % of the run, at least
    one step) then cosine decay, or `schedule="onecycle"` (torch OneCycleLR, its own 30 % warmup), or
    `schedule="constant"` (no warmup, no decay: plain Adam(W) at `lr`).
    """
    spec = get_recipe(recipe)
    lr = spec.lr if lr is None else float(lr)
    wd = spec.weight_decay if weight_decay is None else float(weight_decay)
    groups = param_groups(model, wd)
    if spec.optimizer == "sgd":
        opt = torch.optim.SGD(groups, lr=lr, momentum=0.9)
        sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=paper_milestones(epochs), gamma=0.1)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "epoch"}}
    opt = torch.optim.AdamW(groups, lr=lr)
    total = max(1, epochs * max(1, steps_per_epoch))
    if schedule == "constant":
        return {"optimizer": opt}
    if schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total)
    elif schedule == "cosine":
        warm_epochs = 0.05 * epochs if warmup_epochs is None else warmup_epochs
        warmup = min(total - 1, max(1, round(warm_epochs * steps_per_epoch))) if warm_epochs > 0 else 0
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda step: warmup_cosine(step, total=total, warmup=warmup)
        )
    else:
        raise ConfigError(
            f"unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}", key="schedule"
        )
    return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


def configure_task_optimization(task: Any) -> dict[str, Any]:
    """`configure_optimization` for a task from its hyperparameters (recipe, lr, weight_decay, schedule,
    warmup_epochs) and its Trainer (epochs, batches per process): what both tasks' `configure_optimizers`
    return."""
    hp, trainer = task.hparams, task.trainer
    epochs = max(1, int(trainer.max_epochs or 1))
    steps = max(1, int(trainer.estimated_stepping_batches) // epochs)
    return configure_optimization(
        task.model,
        recipe=hp.recipe,
        epochs=epochs,
        steps_per_epoch=steps,
        lr=hp.lr,
        weight_decay=hp.weight_decay,
        schedule=hp.schedule,
        warmup_epochs=hp.warmup_epochs,
    )
