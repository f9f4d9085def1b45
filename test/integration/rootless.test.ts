// Rootless mode on this host (cgroup v1 hybrid, no systemd): tsrunc run by a real
// unprivileged user. The same cases run in the v2 + systemd guest (test/guest/rootless.test.ts).
import { test } from 'uvu';
import { defineRootlessCases, rootlessSuite } from '../lib/rootless-cases.js';

defineRootlessCases(rootlessSuite(test));

test.run();
