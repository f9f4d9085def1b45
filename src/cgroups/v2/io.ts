// v2 io: weights go to io.bfq.weight when BFQ is in use (same scale as blkio), else to
// io.weight (converted); throttles become io.max "maj:min rbps=N" lines; stats from io.stat.
import { join } from 'node:path';
import type { LinuxResources } from '../../spec/config.js';
import { exists, readOptional, writeField } from '../fs.js';
import { blkioWeightToIoWeight } from '../convert.js';
import { firstSet, type Controller } from '../controller.js';
import type { BlkioEntry, CgroupStats } from '../stats.js';

const THROTTLES = [
  ['throttleReadBpsDevice', 'rbps'],
  ['throttleWriteBpsDevice', 'wbps'],
  ['throttleReadIOPSDevice', 'riops'],
  ['throttleWriteIOPSDevice', 'wiops'],
] as const;

export const ioV2: Controller = {
  name: 'io',
  requested: (r: LinuxResources) => firstSet('blockIO', { ...r.blockIO, leafWeight: undefined }, ['weight']),
  apply(dir, r, ctx) {
    const b = r.blockIO ?? {};
    const bfq = exists(join(dir, 'io.bfq.weight'));
    if (b.weight) {
      if (bfq) writeField(ctx, 'blockIO/weight', dir, 'io.bfq.weight', String(b.weight));
      else writeField(ctx, 'blockIO/weight', dir, 'io.weight', String(blkioWeightToIoWeight(b.weight)));
    }
    if (b.leafWeight) ctx.warn('blockIO.leafWeight is ignored on cgroup v2');
    // io.bfq.weight takes per-device lines only when it shows "default N" rather than a number
    const perDevice = bfq && /^default/.test(readOptional(dir, 'io.bfq.weight') ?? '');
    (b.weightDevice ?? []).forEach((wd, i) => {
      if (!wd.weight) return;
      if (perDevice) writeField(ctx, `blockIO/weightDevice/${i}`, dir, 'io.bfq.weight', `${wd.major}:${wd.minor} ${wd.weight}`);
      else writeField(ctx, `blockIO/weightDevice/${i}`, dir, 'io.weight', `${wd.major}:${wd.minor} ${blkioWeightToIoWeight(wd.weight)}`);
    });
    for (const [key, name] of THROTTLES) {
      (b[key] ?? []).forEach((td, i) => writeField(ctx, `blockIO/${key}/${i}`, dir, 'io.max', `${td.major}:${td.minor} ${name}=${td.rate}`));
    }
  },
  stats(dir, s: CgroupStats) {
    const text = readOptional(dir, 'io.stat');
    if (text === undefined) return;
    const bytes: BlkioEntry[] = [];
    const ios: BlkioEntry[] = [];
    for (const line of text.split('\n')) {
      const [dev, ...pairs] = line.trim().split(/\s+/);
      const m = /^(\d+):(\d+)$/.exec(dev ?? '');
      if (!m) continue;
      for (const pair of pairs) {
        const [k, v] = pair.split('=');
        const target = { rbytes: bytes, wbytes: bytes, rios: ios, wios: ios }[k];
        if (!target) continue;
        const e: BlkioEntry = { op: k.startsWith('r') ? 'Read' : 'Write' };
        if (Number(m[1])) e.major = Number(m[1]);
        if (Number(m[2])) e.minor = Number(m[2]);
        if (Number(v)) e.value = Number(v);
        target.push(e);
      }
    }
    if (bytes.length) s.blkio.ioServiceBytesRecursive = bytes;
    if (ios.length) s.blkio.ioServicedRecursive = ios;
  },
};
