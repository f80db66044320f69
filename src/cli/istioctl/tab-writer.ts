// Go's text/tabwriter as istioctl uses it (minwidth 0, padchar ' ', no flags): every cell but a
// row's last is padded to its column's widest cell plus `padding`; the last cell is left as is.

/** Lays out `rows` (header first) like tabwriter.Init(w, 0, 8, padding, ' ', 0) + Fprintf("a\tb\n"). */
export function tabulate(rows: readonly (readonly string[])[], padding: number): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.slice(0, -1).forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length + padding);
    });
  }
  return rows.map((row) => row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i] ?? 0) : cell)).join('') + '\n').join('');
}

/** Splits a table line into its cells (two or more spaces separate them), as tests read tables. */
export function cellsOf(line: string): string[] {
  return line.trim().split(/ {2,}/);
}
