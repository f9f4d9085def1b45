// state and list: runc-compatible views of containers in the root directory.
import { listIds } from '../state/store.js';
import { stateView, type StateView } from '../state/container-state.js';
import { openContainer } from './container.js';
import type { GlobalOptions } from './options.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { userName } from '../linux/user-name.js';

export function containerState(g: GlobalOptions, id: string): StateView {
  const c = openContainer(g, id, false);
  return stateView(c.record, c.status());
}

export function listContainers(g: GlobalOptions): StateView[] {
  const out: StateView[] = [];
  for (const id of listIds(g.root)) {
    try {
      // runc: the owner of a container is the owner of its state directory
      out.push({ ...containerState(g, id), owner: userName(statSync(join(g.root, id)).uid) });
    } catch {
      // removed while we listed
    }
  }
  return out;
}
