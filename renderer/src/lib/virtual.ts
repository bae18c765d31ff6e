/**
 * The window of a virtualised grid: which rows to render for a scroll position, so that
 * thousands of items scroll smoothly with only a screenful (plus overscan) in the DOM.
 */
export interface GridGeometry {
  count: number;
  /** Width available for the items (px). */
  width: number;
  /** Height of the visible viewport (px). */
  viewport: number;
  scrollTop: number;
  /** Minimum item width; items grow to fill the row. */
  minItemWidth: number;
  /** Height of one row including the gap. */
  rowHeight: number;
  gap?: number;
  /** Extra rows above and below the viewport. */
  overscan?: number;
}

export interface GridWindow {
  columns: number;
  itemWidth: number;
  rows: number;
  totalHeight: number;
  firstRow: number;
  lastRow: number;
  /** Item indices [start, end) to render. */
  start: number;
  end: number;
  offsetTop: number;
}

export function gridWindow(g: GridGeometry): GridWindow {
  const gap = g.gap ?? 0;
  const overscan = g.overscan ?? 2;
  const columns = Math.max(1, Math.floor((Math.max(0, g.width) + gap) / (g.minItemWidth + gap)));
  const itemWidth = columns > 0 ? (Math.max(g.width, g.minItemWidth) - gap * (columns - 1)) / columns : g.minItemWidth;
  const rows = Math.ceil(g.count / columns);
  const totalHeight = rows * g.rowHeight;
  const viewport = Math.max(g.viewport, g.rowHeight);
  const firstVisible = Math.floor(Math.max(0, g.scrollTop) / g.rowHeight);
  const lastVisible = Math.ceil((Math.max(0, g.scrollTop) + viewport) / g.rowHeight) - 1;
  const firstRow = Math.max(0, Math.min(rows - 1, firstVisible - overscan));
  const lastRow = Math.max(-1, Math.min(rows - 1, lastVisible + overscan));
  const start = rows === 0 ? 0 : firstRow * columns;
  const end = rows === 0 ? 0 : Math.min(g.count, (lastRow + 1) * columns);
  return { columns, itemWidth, rows, totalHeight, firstRow: rows === 0 ? 0 : firstRow, lastRow, start, end, offsetTop: rows === 0 ? 0 : firstRow * g.rowHeight };
}
