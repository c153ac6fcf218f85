"""Charts a planner reads at a glance (matplotlib, Agg backend: no screen needed)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def _bars_with_intervals(ax, labels, mean, low, high):
    y = range(len(labels))
    err = [[m - lo for m, lo in zip(mean, low)], [hi - m for m, hi in zip(mean, high)]]
    colour = ["#1b3d5c" if x == "system" else "#4b8bbe" for x in labels]
    ax.barh(list(y), mean, xerr=err, color=colour, alpha=0.9, capsize=4,
            error_kw={"elinewidth": 1.2})
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.grid(axis="x", alpha=0.3)


def beds_released_chart(comparison: pd.DataFrame, title: str):
    """Acute beds released (baseline - scenario mean occupied) for the system and each site."""
    d = comparison[comparison["kpi"] == "beds_released"]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(d) + 1.6))
    _bars_with_intervals(ax, list(d["site"]), d["difference_mean"].tolist(),
                         d["difference_ci_low"].tolist(), d["difference_ci_high"].tolist())
    ax.set_xlabel("acute beds released (mean occupied beds, baseline - scenario); bars: 95% interval")
    ax.set_title(title, fontsize=11)
    fig.tight_layout()
    return fig


def combinations_chart(table: pd.DataFrame, kpi: str = "beds_released"):
    """One bar per intervention combination (system level), with its 95% interval."""
    d = table[(table["kpi"] == kpi) & (table["site"] == "system")]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(d) + 1.6))
    _bars_with_intervals(ax, list(d["interventions"]), d["difference_mean"].tolist(),
                         d["difference_ci_low"].tolist(), d["difference_ci_high"].tolist())
    ax.set_xlabel(f"{d['label'].iloc[0] if len(d) else kpi}; bars: 95% interval")
    ax.set_title("Local care interventions compared, Kent & Medway system", fontsize=11)
    fig.tight_layout()
    return fig


def save(fig, path) -> None:
    """Save a figure through atomic_write, then free it."""
    from .writers import atomic_write

    atomic_write(path, lambda p: fig.savefig(p, dpi=120, format="png"))
    plt.close(fig)
