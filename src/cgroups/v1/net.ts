// v1 net_cls and net_prio: no v2 equivalent exists (v2 uses eBPF for both).
import { writeField } from '../fs.js';
import type { Controller } from '../controller.js';

export const netClsV1: Controller = {
  name: 'net_cls',
  requested: (r) => (r.network?.classID !== undefined ? 'network/classID' : undefined),
  apply(dir, r, ctx) {
    writeField(ctx, 'network/classID', dir, 'net_cls.classid', String(r.network?.classID));
  },
};

export const netPrioV1: Controller = {
  name: 'net_prio',
  requested: (r) => (r.network?.priorities?.length ? 'network/priorities' : undefined),
  apply(dir, r, ctx) {
    (r.network?.priorities ?? []).forEach((p, i) =>
      writeField(ctx, `network/priorities/${i}`, dir, 'net_prio.ifpriomap', `${p.name} ${p.priority}`),
    );
  },
};
