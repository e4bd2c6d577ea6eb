"""Saving, tabulating and plotting scale-generalisation results.

`results_by_model` maps a model name to a result dict of
`scale_generalization` (or one read back with `load_json`). Missing values
(`None` or `nan`) print as `-` and leave gaps in plots.
"""

import json
import math
import os

import numpy as np


def _plain(value):
    """Converts numpy scalars and arrays to JSON types, `nan` to `None`."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    return value


def save_json(result, path):
    """Writes a result dict as JSON; `nan` and infinities become `null`.

    Args:
        result: a dict of lists, numbers and strings (numpy values are
            converted).
        path: file to write; missing parent folders are created.
    """
    folder = os.path.dirname(os.fspath(path))
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(_plain(result), f, indent=2, allow_nan=False)
        f.write("\n")


def load_json(path):
    """Reads a result dict written by `save_json` (`null` stays `None`)."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _series(fn, name, result, metric):
    if "scales" not in result:
        raise ValueError(
            f"{fn}: result {name!r} has no `scales`; is it a "
            "scale_generalization result?"
        )
    if metric not in result:
        raise ValueError(
            f"{fn}: result {name!r} has no metric {metric!r}; it has "
            f"{sorted(k for k in result if isinstance(result[k], list))}."
        )
    values = result[metric]
    if len(values) != len(result["scales"]) or any(
        isinstance(v, (list, tuple, dict)) for v in values
    ):
        raise ValueError(
            f"{fn}: metric {metric!r} of {name!r} must hold one number per "
            "scale."
        )
    return [float(s) for s in result["scales"]], [
        math.nan if v is None else float(v) for v in values
    ]


def _fraction(exponent):
    """Tick label for `2**exponent`: 1/4, 1/2, 1, 2, 4, or 2^0.5."""
    if float(exponent).is_integer():
        exponent = int(exponent)
        return str(2**exponent) if exponent >= 0 else f"1/{2**-exponent}"
    return f"2^{exponent:g}"


def format_table(results_by_model, metric="mean_iou", precision=4,
                 markdown=False):
    """A table of one metric: rows are scales, columns models.

    Args:
        results_by_model: dict `name -> result`.
        metric: a per-scale metric, e.g. `"mean_iou"`, `"consistency"`,
            `"foreground_iou"` or `"pixel_accuracy"`.
        precision: decimals printed.
        markdown: a Markdown table (for model cards) instead of plain text;
            its last row is the mean over the scales other than 1.

    Returns:
        A string. Scales are the union over the models, sorted; a model
        without a scale shows `-` there. When the results record
        `"input_scales"` (the factor really applied after flooring the
        sides), an `applied` column shows it, so that scales which gave
        the same input size are visible (`varies` where the models'
        results disagree).
    """
    fn = "format_table"
    if not results_by_model:
        raise ValueError(f"{fn}: `results_by_model` is empty.")
    columns = {}
    applied = {}
    for name, result in results_by_model.items():
        scales, values = _series(fn, name, result, metric)
        columns[name] = {round(s, 9): v for s, v in zip(scales, values)}
        for s, a in zip(scales, result.get("input_scales") or ()):
            applied.setdefault(round(s, 9), set()).add(round(float(a), 4))
    rows = sorted({s for column in columns.values() for s in column})
    header = ["scale", "log2"] + (["applied"] if applied else []) + [
        str(name) for name in columns]
    body = []
    for s in rows:
        cells = [f"{s:.4g}", f"{math.log2(s):+.2f}"]
        if applied:
            values = applied.get(s, set())
            cells.append(f"{next(iter(values)):.4g}" if len(values) == 1 else
                         "varies" if values else "-")
        for column in columns.values():
            v = column.get(s, math.nan)
            cells.append("-" if math.isnan(v) else f"{v:.{precision}f}")
        body.append(cells)
    if markdown:
        means = [off_scale_mean(result, metric)
                 for result in results_by_model.values()]
        body.append(["mean, scales != 1", ""] + [""] * bool(applied) + [
            "-" if math.isnan(m) else f"{m:.{precision}f}" for m in means])
        lines = ["| " + " | ".join(header) + " |",
                 "|" + "|".join("---:" for _ in header) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in body]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header] + body)
              for i in range(len(header))]
    lines = [f"{metric}"]
    for r in [header, ["-" * w for w in widths]] + body:
        lines.append("  ".join(c.rjust(w) for c, w in zip(r, widths)))
    return "\n".join(lines)


def off_scale_mean(result, metric, training_scale=1.0):
    """Mean of a per-scale metric over the scales other than the training
    scale (missing values ignored; `nan` if there are none).

    Args:
        result: a `scale_generalization` result.
        metric: e.g. `"mean_iou"`.
        training_scale: the factor left out (1).
    """
    scales, values = _series("off_scale_mean", "result", result, metric)
    kept = [v for s, v in zip(scales, values)
            if not math.isclose(s, training_scale) and not math.isnan(v)]
    return float(np.mean(kept)) if kept else math.nan


def plot_scale_generalization(results_by_model,
                              metrics=("mean_iou", "consistency"),
                              path=None, title=None):
    """Plots metrics against the scale factor, one line per model.

    Drawn with the Agg canvas directly (no pyplot, no window, global
    backend untouched).

    Args:
        results_by_model: dict `name -> result`.
        metrics: per-scale metrics, one subplot each.
        path: if given, the figure is saved there (format from the
            extension, e.g. `.png`).
        title: optional figure title.

    Returns:
        A `matplotlib.figure.Figure`. The x axis is `log2` of the factor,
        labelled 1/4, 1/2, 1, 2, 4...; a dashed vertical line marks the
        training scale, 1.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fn = "plot_scale_generalization"
    if not results_by_model:
        raise ValueError(f"{fn}: `results_by_model` is empty.")
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not metrics:
        raise ValueError(f"{fn}: `metrics` is empty.")
    figure = Figure(figsize=(4.5 * len(metrics), 3.6), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics):
        low, high = math.inf, -math.inf
        for name, result in results_by_model.items():
            scales, values = _series(fn, name, result, metric)
            x = np.log2(scales)
            order = np.argsort(x)
            ax.plot(x[order], np.asarray(values)[order], marker="o",
                    markersize=3, label=str(name))
            low, high = min(low, x.min()), max(high, x.max())
        ax.axvline(0.0, color="0.4", linestyle="--", linewidth=1,
                   label="training scale")
        ticks = np.arange(math.floor(low), math.ceil(high) + 1)
        ax.set_xticks(ticks)
        ax.set_xticklabels([_fraction(t) for t in ticks])
        ax.set_xlabel("scale factor (log scale)")
        ax.set_ylabel(metric.replace("_", " "))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize="small")
    return finish_figure(figure, title, path)


def finish_figure(figure, title=None, path=None):
    """Adds the optional title and saves the figure if `path` is given
    (parent folders created, 120 dpi); returns it."""
    if title:
        figure.suptitle(title)
    if path is not None:
        folder = os.path.dirname(os.fspath(path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        figure.savefig(path, dpi=120)
    return figure
