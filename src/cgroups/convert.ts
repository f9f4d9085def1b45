// v1 → v2 value conversions, as runc (and crun) do them, so one config means the
// same on both hierarchies.

/** cpu.shares [2, 262144] → cpu.weight [1, 10000]; maps the default 1024 to the default 100. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.ceil(10 ** exponent);
}

/** blkio.weight [10, 1000] → io.weight [1, 10000]. */
export function blkioWeightToIoWeight(weight: number): number {
  if (weight === 0) return 0;
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/**
 * The spec's swap is memory+swap (v1 memsw); v2's memory.swap.max is swap alone.
 * Returns the v2 value (-1 = max, 0 = not set) or a reason the pair is invalid.
 */
export function swapToV2(swap: number, limit: number): number | string {
  if (limit === -1 && swap === 0) return -1;
  if (swap === -1 || swap === 0) return swap;
  if (limit === -1) return swap;
  if (limit === 0) return 'cannot set a swap limit without a memory limit';
  if (limit < 0) return `invalid memory limit ${limit}`;
  if (swap < limit) return `memory+swap limit ${swap} is below the memory limit ${limit}`;
  return swap - limit;
}

/** "2048kB" directory suffixes of /sys/kernel/mm/hugepages → "2MB", the cgroup file infix. */
export function hugePageSizeName(kb: number): string {
  if (kb >= 1 << 20) return `${kb >> 20}GB`;
  if (kb >= 1 << 10) return `${kb >> 10}MB`;
  return `${kb}KB`;
}

/** "0-2,5" → [0, 1, 2, 5]. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [from, to] = part.split('-').map(Number);
    for (let i = from; i <= (to ?? from); i++) out.push(i);
  }
  return out;
}
