// rdma.max, the same file and format on v1 and v2: "<device> hca_handle=N hca_object=M".
import { writeField } from './fs.js';
import type { Controller } from './controller.js';

export const rdmaController: Controller = {
  name: 'rdma',
  v2Name: 'rdma',
  requested: (r) => (r.rdma && Object.keys(r.rdma).length ? 'rdma' : undefined),
  apply(dir, r, ctx) {
    for (const [device, limit] of Object.entries(r.rdma ?? {})) {
      let line = device;
      if (limit.hcaHandles !== undefined) line += ` hca_handle=${limit.hcaHandles}`;
      if (limit.hcaObjects !== undefined) line += ` hca_object=${limit.hcaObjects}`;
      writeField(ctx, `rdma/${device}`, dir, 'rdma.max', line);
    }
  },
};
