// Columns padded like Go's tabwriter with minwidth 12 and padding 1, as runc prints them.
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(12, ...[h, ...rows.map((r) => r[i])].map((s) => s.length + 1)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('') + '\n';
  return [header, ...rows].map(line).join('');
}
