"""Tables and figures of classification-by-scale results.

`results_by_model` maps a model name to a result of
`classification_by_scale` (or one read back with `load_json`), optionally
with `"unscaled_accuracy"` as `keras-dss evaluate` adds it.
"""

import math

import numpy as np

from keras_dss.evaluation.report import finish_figure


def classification_columns(fn, results_by_model):
    """Column labels and `name -> values` (overall, buckets, unscaled)."""
    if not results_by_model:
        raise ValueError(f"{fn}: `results_by_model` is empty.")
    buckets = None
    values = {}
    for name, result in results_by_model.items():
        for key in ("accuracy", "buckets", "bucket_accuracy"):
            if key not in result:
                raise ValueError(
                    f"{fn}: result {name!r} has no {key!r}; is it a "
                    "classification_by_scale result?"
                )
        if buckets is None:
            buckets = [tuple(b) for b in result["buckets"]]
        elif [tuple(b) for b in result["buckets"]] != buckets:
            raise ValueError(
                f"{fn}: every result must use the same buckets; {name!r} "
                f"has {result['buckets']}, expected {buckets}."
            )
        row = [result["accuracy"], *result["bucket_accuracy"],
               result.get("unscaled_accuracy")]
        values[name] = [math.nan if v is None else float(v) for v in row]
    labels = (["all scales"] + [f"{low:g}-{high:g}" for low, high in buckets]
              + ["unscaled"])
    return labels, values


def format_classification_table(results_by_model, precision=4,
                                markdown=False):
    """Accuracy overall, per scale bucket and on unscaled images.

    Args:
        results_by_model: dict `name -> result`.
        precision: decimals printed.
        markdown: a Markdown table (for model cards) instead of plain text.

    Returns:
        A string: one row per model; columns "all scales", one per bucket
        (e.g. "0.3-0.5") and "unscaled" (`-` where a value is missing).
    """
    labels, values = classification_columns("format_classification_table", results_by_model)
    header = ["model"] + labels
    body = [[str(name)] + ["-" if math.isnan(v) else f"{v:.{precision}f}"
                           for v in row] for name, row in values.items()]
    if markdown:
        lines = ["| " + " | ".join(header) + " |",
                 "|---|" + "|".join("---:" for _ in labels) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in body])
    widths = [max(len(r[i]) for r in [header] + body)
              for i in range(len(header))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths))
                     for r in [header, ["-" * w for w in widths]] + body)


def plot_classification_by_scale(results_by_model, path=None, title=None):
    """Grouped bars: accuracy overall, per scale bucket and unscaled, one
    bar per model in each group.

    Args:
        results_by_model: dict `name -> result`.
        path: if given, the figure is saved there (e.g. a `.png`).
        title: optional figure title.

    Returns:
        A `matplotlib.figure.Figure` (Agg canvas, no pyplot).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels, values = classification_columns("plot_classification_by_scale",
                              results_by_model)
    figure = Figure(figsize=(1.6 * len(labels) + 2, 3.6),
                    layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    width = 0.8 / len(values)
    x = np.arange(len(labels))
    finite = []
    for i, (name, row) in enumerate(values.items()):
        bars = ax.bar(x + (i - (len(values) - 1) / 2) * width, row, width,
                      label=str(name))
        ax.bar_label(bars, labels=["" if math.isnan(v) else f"{v:.3f}"
                                   for v in row], fontsize="x-small")
        finite += [v for v in row if not math.isnan(v)]
    ax.set_xticks(x)
    ax.set_xticklabels(labels)
    ax.set_xlabel("test images by rescale factor")
    ax.set_ylabel("accuracy")
    if finite:
        ax.set_ylim(max(0.0, min(finite) - 0.1), min(1.0, max(finite) + 0.05))
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return finish_figure(figure, title, path)
