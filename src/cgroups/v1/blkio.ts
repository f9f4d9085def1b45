// v1 blkio: weights (CFQ files, or BFQ's when CFQ is gone), per-device throttles; stats
// from whichever scheduler's files the kernel has, in runc's order of preference.
import { join } from 'node:path';
import type { LinuxResources } from '../../spec/config.js';
import { exists, readOptional, writeField } from '../fs.js';
import type { BlkioEntry, CgroupStats } from '../stats.js';
import { firstSet, type Controller } from '../controller.js';

type Throttle = 'throttleReadBpsDevice' | 'throttleWriteBpsDevice' | 'throttleReadIOPSDevice' | 'throttleWriteIOPSDevice';
const THROTTLE_FILES: [Throttle, string][] = [
  ['throttleReadBpsDevice', 'blkio.throttle.read_bps_device'],
  ['throttleWriteBpsDevice', 'blkio.throttle.write_bps_device'],
  ['throttleReadIOPSDevice', 'blkio.throttle.read_iops_device'],
  ['throttleWriteIOPSDevice', 'blkio.throttle.write_iops_device'],
];

export const blkioV1: Controller = {
  name: 'blkio',
  v2Name: 'io',
  requested: (r: LinuxResources) => firstSet('blockIO', r.blockIO, ['weight', 'leafWeight']),
  apply(dir, r, ctx) {
    const b = r.blockIO ?? {};
    const bfq = !exists(join(dir, 'blkio.weight'));
    const weightFile = bfq ? 'blkio.bfq.weight' : 'blkio.weight';
    const weightDeviceFile = bfq ? 'blkio.bfq.weight_device' : 'blkio.weight_device';
    if (b.weight) writeField(ctx, 'blockIO/weight', dir, weightFile, String(b.weight));
    if (b.leafWeight) writeField(ctx, 'blockIO/leafWeight', dir, 'blkio.leaf_weight', String(b.leafWeight));
    (b.weightDevice ?? []).forEach((wd, i) => {
      if (wd.weight) writeField(ctx, `blockIO/weightDevice/${i}`, dir, weightDeviceFile, `${wd.major}:${wd.minor} ${wd.weight}`);
      if (wd.leafWeight) writeField(ctx, `blockIO/weightDevice/${i}`, dir, 'blkio.leaf_weight_device', `${wd.major}:${wd.minor} ${wd.leafWeight}`);
    });
    for (const [key, file] of THROTTLE_FILES) {
      (b[key] ?? []).forEach((td, i) => writeField(ctx, `blockIO/${key}/${i}`, dir, file, `${td.major}:${td.minor} ${td.rate}`));
    }
  },
  stats(dir, s) {
    for (const group of STAT_GROUPS) {
      const first = readBlkioStat(dir, group[0][0]);
      if (!first || first.length === 0) continue;
      for (const [file, key] of group) {
        const entries = readBlkioStat(dir, file);
        if (entries && entries.length) s.blkio[key] = entries;
      }
      return;
    }
  },
};

type BlkioKey = keyof CgroupStats['blkio'];
// Each group is one scheduler's set of files; the first whose leading file has data wins.
const STAT_GROUPS: [string, BlkioKey][][] = [
  [
    ['blkio.bfq.sectors_recursive', 'sectorsRecursive'],
    ['blkio.bfq.io_service_time_recursive', 'ioServiceTimeRecursive'],
    ['blkio.bfq.io_wait_time_recursive', 'ioWaitTimeRecursive'],
    ['blkio.bfq.io_merged_recursive', 'ioMergedRecursive'],
    ['blkio.bfq.io_queued_recursive', 'ioQueueRecursive'],
    ['blkio.bfq.time_recursive', 'ioTimeRecursive'],
    ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.bfq.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.bfq.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.sectors_recursive', 'sectorsRecursive'],
    ['blkio.io_service_time_recursive', 'ioServiceTimeRecursive'],
    ['blkio.io_wait_time_recursive', 'ioWaitTimeRecursive'],
    ['blkio.io_merged_recursive', 'ioMergedRecursive'],
    ['blkio.io_queued_recursive', 'ioQueueRecursive'],
    ['blkio.time_recursive', 'ioTimeRecursive'],
    ['blkio.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.throttle.io_serviced_recursive', 'ioServicedRecursive'],
    ['blkio.throttle.io_service_bytes_recursive', 'ioServiceBytesRecursive'],
  ],
  [
    ['blkio.throttle.io_serviced', 'ioServicedRecursive'],
    ['blkio.throttle.io_service_bytes', 'ioServiceBytesRecursive'],
  ],
];

/** Lines "8:0 Read 1282048" or "8:0 6792"; the "Total N" line is skipped. */
export function parseBlkioStat(text: string): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/[\s:]+/).filter(Boolean);
    if (f.length < 3) continue;
    const [major, minor] = [Number(f[0]), Number(f[1])];
    const op = f.length === 4 ? f[2] : '';
    const value = Number(f[f.length === 4 ? 3 : 2]);
    const e: BlkioEntry = {};
    if (major) e.major = major;
    if (minor) e.minor = minor;
    if (op) e.op = op;
    if (value) e.value = value;
    out.push(e);
  }
  return out;
}

function readBlkioStat(dir: string, file: string): BlkioEntry[] | undefined {
  const text = readOptional(dir, file);
  return text === undefined ? undefined : parseBlkioStat(text);
}
