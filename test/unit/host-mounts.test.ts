import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mountsUnder, sharesHostMountNs } from '../../src/runtime/host-mounts.js';
import type { Spec } from '../../src/spec/config.js';

const MOUNTINFO = [
  '22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw',
  '90 22 0:50 / /b/rootfs rw - overlay overlay rw',
  '91 90 0:51 / /b/rootfs/proc rw - proc proc rw',
  '92 90 0:52 / /b/rootfs/dev rw - tmpfs tmpfs rw',
  '93 92 0:53 / /b/rootfs/dev/pts rw - devpts devpts rw',
  '94 22 0:54 / /b/rootfs2/proc rw - proc proc rw',
  '95 90 0:55 / /b/rootfs/my\\040dir rw - tmpfs tmpfs rw',
].join('\n');

test('mounts strictly below the rootfs, deepest first, never the rootfs itself', () => {
  assert.equal(mountsUnder(MOUNTINFO, '/b/rootfs'), ['/b/rootfs/dev/pts', '/b/rootfs/proc', '/b/rootfs/my dir', '/b/rootfs/dev']);
  assert.equal(mountsUnder(MOUNTINFO, '/b/rootfs/'), mountsUnder(MOUNTINFO, '/b/rootfs'));
  assert.equal(mountsUnder(MOUNTINFO, '/nowhere'), []);
});

test('a config without a mount namespace entry shares the host mount table', () => {
  const spec = (types: string[]): Spec => ({ ociVersion: '1.3.0', linux: { namespaces: types.map((type) => ({ type })) } }) as Spec;
  assert.ok(sharesHostMountNs(spec(['pid'])));
  assert.not.ok(sharesHostMountNs(spec(['pid', 'mount'])));
});

test.run();
