// The loopback port of each mesh Service port's Envoy listener. Node-local clients never see it:
// the datapath rewrites their connect() to it. Stable as Services come and go (a hash with linear
// probing, in name order), so an edit elsewhere does not move a listener and cut its connections.

/** Where mesh listeners live; Envoy binds them on 127.0.0.1. Documented in the README's mesh section. */
export const MESH_PORTS = { first: 15100, last: 15999 } as const;

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** name -> port for every name; undefined for names beyond the range's size (reported by the caller). */
export function allocatePorts(names: readonly string[], range: { first: number; last: number } = MESH_PORTS): Map<string, number | undefined> {
  const size = range.last - range.first + 1;
  const taken = new Set<number>();
  const out = new Map<string, number | undefined>();
  for (const name of [...names].sort()) {
    if (taken.size >= size) {
      out.set(name, undefined);
      continue;
    }
    let i = hash(name) % size;
    while (taken.has(i)) i = (i + 1) % size;
    taken.add(i);
    out.set(name, range.first + i);
  }
  return out;
}
