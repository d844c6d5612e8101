"""The benchmark plot: full-matrix wall time against world size, log scale, per engine.

Stage: bench. Input: a results document (see `bench.summary`). Output: a PNG. A config
that did not finish is drawn as an open triangle at the time it had used (its real time
is higher), joined to its finished points by a dotted line.

matplotlib is only in the `bench` extra, not in `dev` where mypy and the tests run, so
it is imported by name at call time (`available` tells whether it is installed).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_STYLE = {  # config -> (color, line style); TLC dashed so it reads as the reference
    "explicit": ("tab:blue", "-"),
    "bmc": ("tab:orange", "-"),
    "kind": ("tab:green", "-"),
    "pdr": ("tab:purple", "-"),
    "auto": ("black", "-"),
    "tlc-w1": ("tab:red", "--"),
    "tlc-w2": ("tab:brown", "--"),
}


def available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def draw(doc: Mapping[str, Any], path: Path) -> None:
    """Write the plot of `doc` to `path` (PNG)."""
    matplotlib = importlib.import_module("matplotlib")
    matplotlib.use("Agg")  # no display: the plot only goes to a file
    plt = importlib.import_module("matplotlib.pyplot")
    fig, ax = plt.subplots(figsize=(8, 5), dpi=120)
    configs = list(dict.fromkeys(str(s["config"]) for s in doc["runs"]))
    for config in configs:
        runs = sorted(
            (s for s in doc["runs"] if s["config"] == config and s["wall_s"] is not None),
            key=lambda s: int(s["size"]),
        )
        if not runs:
            continue
        color, style = _STYLE.get(config, ("tab:gray", "-"))
        done = [(s["size"], s["wall_s"]) for s in runs if s["status"] == "finished"]
        cut = [(s["size"], s["wall_s"]) for s in runs if s["status"] in ("timeout", "killed")]
        if done:
            xs, ys = zip(*done, strict=True)
            ax.plot(xs, ys, style, color=color, marker="o", label=config)
        if cut:
            xs, ys = zip(*cut, strict=True)
            label = None if done else f"{config} (did not finish)"
            ax.plot(xs, ys, linestyle="none", marker="^", mfc="none", color=color, label=label)
            if done:
                bridge = [done[-1], cut[0]]
                ax.plot(*zip(*bridge, strict=True), ":", color=color)
    ax.axhline(float(doc["limit_s"]), color="gray", linestyle=":", linewidth=1)
    ax.annotate(
        f"limit {float(doc['limit_s']):g} s",
        (max(int(x) for x in doc["sizes"]), float(doc["limit_s"])),
        textcoords="offset points",
        xytext=(-2, 4),
        ha="right",
        fontsize=8,
        color="gray",
    )
    ax.set_yscale("log")
    ax.set_xticks([int(x) for x in doc["sizes"]])
    ax.set_xlabel(f"{doc['scale']} (model parameter)")
    ax.set_ylabel("full matrix wall time (s, log scale)")
    machine = doc["machine"]
    ax.set_title(
        f"{Path(str(doc['spec'])).name}: every (variant, claim) cell, per engine\n"
        f"{machine['cpu']}, {machine['cores']} cores, {doc['created']}",
        fontsize=10,
    )
    ax.grid(True, which="both", linewidth=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
