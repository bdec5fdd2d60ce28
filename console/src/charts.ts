// Shared pieces of the statistics charts' options (ECharts).
//
// Bar charts by street, department or question name rotate those names; a
// long name once ran below the grid into the legend at the chart's foot.
// Now the legend stands under the title, the grid makes room for the
// rotated names (containLabel) and a long name is cut to fit (the tooltip
// shows it whole), so the two never meet.

/** legendTop is a legend under the chart's title (which is at its top), clear of its 14 px text and padding. */
export const legendTop = { top: 34, type: 'scroll' as const }

/** gridFor leaves room for a title (and a legend under it) and for the axes' labels. */
export function gridFor(opts: { legend?: boolean; right?: number } = {}) {
  return { left: 8, right: opts.right ?? 16, top: opts.legend ? 72 : 40, bottom: 8, containLabel: true }
}

/** namesAxis is a category axis of names, each shown, rotated and cut to fit. */
export function namesAxis(names: string[]) {
  return { type: 'category' as const, data: names, axisLabel: { interval: 0, rotate: 30, width: 96, overflow: 'truncate' as const } }
}
