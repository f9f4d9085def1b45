// Statistics and tables: medians with spread, ratios to runc and to `node -e 0`,
// and the targets for tsrunc.

/** Linear-interpolated percentile of sorted values. */
function percentile(sorted, p) {
  if (sorted.length === 1) return sorted[0];
  const idx = (sorted.length - 1) * p;
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (idx - lo);
}

/** A cell collects samples and failure messages of one metric for one runtime. */
export function newCell() {
  return { samples: [], failures: [], text: undefined };
}

export function addSample(cell, value) {
  cell.samples.push(value);
}

export function addFailure(cell, message) {
  cell.failures.push(message);
}

export function median(cell) {
  if (!cell || cell.samples.length === 0) return undefined;
  return percentile([...cell.samples].sort((a, b) => a - b), 0.5);
}

function spread(cell) {
  const s = [...cell.samples].sort((a, b) => a - b);
  // with few samples p10/p90 say nothing more than min/max
  return s.length >= 10 ? [percentile(s, 0.1), percentile(s, 0.9), 'p10–p90'] : [s[0], s[s.length - 1], 'min–max'];
}

export function formatValue(value, unit) {
  if (unit === 'ms') return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(1)} ms`;
  if (unit === 'KiB') return `${(value / 1024).toFixed(2)} MiB`;
  if (unit === 'B') return value >= 1 << 20 ? `${(value / (1 << 20)).toFixed(2)} MiB` : `${(value / 1024).toFixed(0)} KiB`;
  return String(value);
}

function formatCell(cell, unit) {
  if (!cell) return '—';
  if (cell.text !== undefined) return cell.text;
  if (cell.samples.length === 0) return cell.failures.length ? `failed: ${cell.failures[0]}` : '—';
  const m = median(cell);
  let text = formatValue(m, unit);
  if (cell.samples.length > 1) {
    const [lo, hi] = spread(cell);
    const n = (v) => formatValue(v, unit).replace(/ (ms|MiB|KiB)$/, '');
    text += ` [${n(lo)}–${n(hi)}]`;
  }
  if (cell.failures.length) text += ` (${cell.failures.length} failed: ${cell.failures[0]})`;
  return text;
}

function ratio(a, b) {
  return a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '—';
}

function table(header, rows, markdown) {
  if (markdown) {
    const line = (cells) => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * metrics: [{ key, label, unit, ratios }]; results[key][runtime] = cell;
 * columns: runtime names in order, 'node' first when present.
 */
export function renderResults(metrics, results, columns, markdown) {
  const valueRows = metrics.map((m) => [m.label, ...columns.map((c) => formatCell(results[m.key]?.[c], m.unit))]);
  const out = [table(['metric', ...columns.map((c) => (c === 'node' ? 'node -e 0' : c))], valueRows, markdown)];

  const ratioCols = [];
  for (const c of columns) {
    if (c === 'node') continue;
    if (c !== 'runc' && columns.includes('runc')) ratioCols.push([c, 'runc']);
    if (columns.includes('node')) ratioCols.push([c, 'node']);
  }
  if (ratioCols.length) {
    const rows = metrics
      .filter((m) => m.ratios !== false)
      .map((m) => [m.label, ...ratioCols.map(([a, b]) => ratio(median(results[m.key]?.[a]), median(results[m.key]?.[b])))]);
    out.push(table(['ratio', ...ratioCols.map(([a, b]) => `${a} ÷ ${b === 'node' ? 'node -e 0' : b}`)], rows, markdown));
  }
  return out.join('\n\n');
}

/** A target: tsrunc's median over a reference's must be at most `max`. */
function ratioTarget(results, key, label, ref, max, unit) {
  const t = median(results[key]?.tsrunc);
  const r = median(results[key]?.[ref]);
  const ok = t !== undefined && r !== undefined ? t <= max * r : undefined;
  const measured = ok === undefined ? 'n/a' : `${ratio(t, r)} (${formatValue(t, unit)} vs ${formatValue(r, unit)})`;
  return [`${label} ≤ ${max}× ${ref}`, measured, ok === undefined ? 'n/a' : ok ? 'met' : 'NOT met'];
}

/** Issue 10's targets for the self-contained binary, as ratios of medians to runc (stretch goals to crun). */
export function renderTargets(results, markdown) {
  const rows = [
    ratioTarget(results, 'run', '`run` /bin/true', 'runc', 0.8, 'ms'),
    ratioTarget(results, 'run', '`run` /bin/true (stretch)', 'crun', 1.5, 'ms'),
    ratioTarget(results, 'create', '`create`', 'runc', 0.8, 'ms'),
  ];
  for (const op of ['state', 'kill', 'start', 'delete']) {
    rows.push(ratioTarget(results, op, `\`${op}\``, 'runc', 1.3, 'ms'));
    rows.push(ratioTarget(results, op, `\`${op}\` (stretch)`, 'runc', 1.0, 'ms'));
  }
  rows.push(ratioTarget(results, 'seq', 'sequential runs', 'runc', 0.8, 'ms'));
  rows.push(ratioTarget(results, 'conc', 'concurrent runs', 'runc', 0.8, 'ms'));
  rows.push(ratioTarget(results, 'rss_state', 'CLI peak RSS of `state`', 'runc', 2, 'KiB'));
  rows.push(ratioTarget(results, 'rss_run', 'CLI peak RSS of `run`', 'runc', 2, 'KiB'));
  rows.push(ratioTarget(results, 'initRss', 'init VmRSS between create and start', 'crun', 1, 'KiB'));
  rows.push(ratioTarget(results, 'exec', '`exec` /bin/true', 'runc', 0.8, 'ms'));
  return table(['target (tsrunc = dist/tsrunc)', 'measured', 'verdict'], rows, markdown);
}
