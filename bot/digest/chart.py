"""The digest's chart: observations per SWOT category, this period beside the previous one (PNG).

matplotlib with the Agg backend (no display needed); imported lazily because importing it costs
about half a second, which the bot should not pay at start-up.
"""

from __future__ import annotations

import io
import textwrap

from bot.core.i18n import t
from bot.digest.builder import SWOT_ORDER, DigestData
from bot.digest.render import weeks


def render_chart(data: DigestData, lang: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    # The four questions in the same words as everywhere else, wrapped to fit under their bars.
    labels = [textwrap.fill(t(lang, f"digest.swot.{swot}"), 16) for swot in SWOT_ORDER]
    current = [data.section(swot).count for swot in SWOT_ORDER]
    previous = [data.section(swot).previous for swot in SWOT_ORDER]

    # A Figure without pyplot: no global state, safe inside a long-running bot.
    figure = Figure(figsize=(7, 4.2), dpi=110, layout="constrained")
    axes = figure.subplots()
    width = 0.38
    positions = list(range(len(labels)))
    before = axes.bar(
        [x - width / 2 for x in positions],
        previous,
        width,
        label=t(lang, "digest.chart_previous"),
        color="#b8c4d6",
        edgecolor="#5b6b82",
        hatch="//",  # not colour alone: the two periods differ in pattern too
    )
    now = axes.bar(
        [x + width / 2 for x in positions],
        current,
        width,
        label=t(lang, "digest.chart_this"),
        color="#1f5fa8",
    )
    axes.bar_label(before, padding=2, fontsize=9, color="#3d4a5c")
    axes.bar_label(now, padding=2, fontsize=10, fontweight="bold")
    axes.set_xticks(positions, labels, fontsize=9)
    axes.set_xlabel(t(lang, "digest.chart_x"), fontsize=10)
    axes.set_ylabel(t(lang, "digest.chart_y"), fontsize=10)
    axes.set_title(
        f"{t(lang, 'digest.chart_title', wijk=data.wijk_name)} · {weeks(data.period.key, lang)}",
        fontsize=12,
    )
    top = max([*current, *previous, 1])
    axes.set_ylim(0, top * 1.18 + 0.5)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(frameon=False, fontsize=9, loc="upper right")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
