// The "intel_rdt" object of `events --stats`, field for field as runc prints it
// (types/events.go IntelRdt): the group's schemata, the root's, the hardware's
// limits, and the monitoring counters of the container's MON group.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { IntelRdtState } from '../state/container-state.js';

export interface L3CacheInfo {
  cbm_mask?: string;
  min_cbm_bits?: number;
  num_closids?: number;
}

export interface MemBwInfo {
  bandwidth_gran?: number;
  delay_linear?: number;
  min_bandwidth?: number;
  num_closids?: number;
}

/** Optional fields are those runc leaves out when empty; keys are in runc's order. */
export interface IntelRdtStats {
  l3_cache_info?: L3CacheInfo;
  l3_cache_schema_root?: string;
  l3_cache_schema?: string;
  mem_bw_info?: MemBwInfo;
  mem_bw_schema_root?: string;
  mem_bw_schema?: string;
  schemata?: string[];
  mbm_stats?: { mbm_total_bytes: number; mbm_local_bytes: number }[];
  cmt_stats?: { llc_occupancy: number }[];
}

function text(dir: string, file: string): string {
  return readFileSync(join(dir, file), 'utf8').trim();
}

/** A counter file; 0 for one the hardware cannot read now ("Unavailable"). */
function count(dir: string, file: string): number {
  const n = Number(text(dir, file));
  return Number.isFinite(n) ? n : 0;
}

/** Drops zero and empty values, as Go's omitempty does. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0 && v !== '' && v !== undefined)) as T;
}

/** The last line that mentions a resource, as runc picks it ("L3" also matches L3CODE/L3DATA). */
function lastWith(lines: string[], resource: string): string | undefined {
  const found = lines.filter((l) => l.includes(resource));
  return found.length > 0 ? found[found.length - 1].trim() : undefined;
}

export function intelRdtStats(state: IntelRdtState): IntelRdtStats {
  const { root } = state;
  const rootLines = text(root, 'schemata').split('\n');
  const lines = text(state.path, 'schemata').split('\n');
  const out: IntelRdtStats = {};
  const l3 = join(root, 'info', 'L3');
  if (existsSync(l3)) {
    out.l3_cache_info = compact({ cbm_mask: text(l3, 'cbm_mask'), min_cbm_bits: count(l3, 'min_cbm_bits'), num_closids: count(l3, 'num_closids') });
    out.l3_cache_schema_root = lastWith(rootLines, 'L3');
    out.l3_cache_schema = lastWith(lines, 'L3');
  }
  const mb = join(root, 'info', 'MB');
  if (existsSync(mb)) {
    out.mem_bw_info = compact({
      bandwidth_gran: count(mb, 'bandwidth_gran'),
      delay_linear: count(mb, 'delay_linear'),
      min_bandwidth: count(mb, 'min_bandwidth'),
      num_closids: count(mb, 'num_closids'),
    });
    out.mem_bw_schema_root = lastWith(rootLines, 'MB');
    out.mem_bw_schema = lastWith(lines, 'MB');
  }
  if (lines.some((l) => l !== '')) out.schemata = lines;
  const mon = monFeatures(root);
  if (mon.size > 0) {
    // without a MON group of its own, the group's counters (shared with whatever else is in it), as runc
    const data = join(state.monPath ?? state.path, 'mon_data');
    const domains = readdirSync(data, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(data, d.name)).sort();
    const has = (f: string): boolean => mon.has(f);
    if (has('mbm_total_bytes') || has('mbm_local_bytes')) {
      out.mbm_stats = domains.map((d) => ({
        mbm_total_bytes: has('mbm_total_bytes') ? count(d, 'mbm_total_bytes') : 0,
        mbm_local_bytes: has('mbm_local_bytes') ? count(d, 'mbm_local_bytes') : 0,
      }));
    }
    if (has('llc_occupancy')) out.cmt_stats = domains.map((d) => ({ llc_occupancy: count(d, 'llc_occupancy') }));
  }
  return JSON.parse(JSON.stringify(out)) as IntelRdtStats; // drops the undefined keys
}

/** info/L3_MON/mon_features: the monitoring events this hardware counts. */
function monFeatures(root: string): Set<string> {
  try {
    return new Set(text(join(root, 'info', 'L3_MON'), 'mon_features').split('\n').map((l) => l.trim()).filter((l) => l !== ''));
  } catch {
    return new Set();
  }
}
