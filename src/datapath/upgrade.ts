// Pinned maps across edgegate versions. libbpf reuses a pinned map only when its shape (type, key
// and value size, capacity, flags) equals the object's declaration; otherwise bpf_object__load
// fails with EINVAL. A new version may change a map's shape on purpose: eg_steer_val grew
// listener_addr, and eg_listeners went from a (family << 16 | port) key to (family, port, address)
// when sk_lookup slots started to depend on Envoy's listener address. So before a load, every
// pinned map whose shape differs from the object's is taken aside: its pin is removed (the old
// programs still hold the map, so traffic keeps flowing meanwhile) and libbpf creates and pins a
// fresh one. After the load, entries that can be converted are copied into the new map before any
// link is switched to the new programs, so steering has no gap; the rest (eg_listeners: a SOCKHASH
// yields socket cookies, not sockets, to user space) is refilled by its owner (the socket
// registrar) and by the next apply(), which also corrects anything a conversion had to guess.
// If the load fails, the old maps are pinned back, leaving the node as it was.
// A change that must not drop steering is made shape-preserving instead: the protocol byte of the
// steering, listener, range and policy keys (UDP steering) took a pad byte that older layouts
// zeroed, with TCP encoded as 0, so their pinned maps are adopted as they are and every entry keeps
// meaning TCP, the SOCKHASH's sockets included (tests/datapath/upgrade.test.ts, v2).
import { existsSync, unlinkSync } from "node:fs";
import type { Logger } from "../log/logger.ts";
import { BpfMap, type BpfObject, closeFd, mapInfo, objGetIfPinned, objPin, type MapShape } from "./libbpf/object.ts";
import { LAYOUT, decodeAddrPortKey, sameBytes } from "./layout.ts";
import { MAPS, type MapName } from "./pins.ts";

interface Stale {
  name: MapName;
  pin: string;
  fd: number;
  old: MapShape;
}

const sameShape = (a: MapShape, b: MapShape): boolean =>
  a.type === b.type && a.keySize === b.keySize && a.valueSize === b.valueSize && a.maxEntries === b.maxEntries && a.flags === b.flags;

const LOOPBACK4 = new Uint8Array([127, 0, 0, 1]);
const LOOPBACK6 = new Uint8Array([...new Array<number>(15).fill(0), 1]);

/** Converts one entry of an older layout, or undefined to drop it. Keyed by map and old value size. */
const CONVERT: Partial<Record<MapName, Record<number, (key: Uint8Array, value: Uint8Array) => Uint8Array | undefined>>> = {
  // v1 eg_steer_val (24 bytes) had no listener_addr. v1 never set it, so guess what reconcile
  // writes: the steered address when Envoy's was the loopback default, else Envoy's address.
  eg_steer: {
    24: (key, value) => {
      if (key.length !== LAYOUT.eg_steer_key.size) return undefined;
      const v = new Uint8Array(LAYOUT.eg_steer_val.size);
      v.set(value);
      const envoy = value.subarray(LAYOUT.eg_steer_val.envoy_addr, LAYOUT.eg_steer_val.envoy_addr + 16);
      const implicit = sameBytes(envoy, LOOPBACK6) || (value[0] === 4 && sameBytes(envoy.subarray(0, 4), LOOPBACK4));
      const k = decodeAddrPortKey(key);
      v.set(implicit && k.family === value[0] ? k.addr : envoy, LAYOUT.eg_steer_val.listener_addr);
      return v;
    },
  },
};

export class PinUpgrade {
  private constructor(
    private readonly stale: Stale[],
    private readonly log: Logger,
  ) {}

  /** Before load: takes aside the pinned maps of `o` whose shape differs from the declaration. */
  static prepare(o: BpfObject, pinOf: (name: MapName) => string, log: Logger): PinUpgrade {
    const stale: Stale[] = [];
    for (const name of o.mapNames()) {
      if (!(name in MAPS)) continue;
      const pin = pinOf(name as MapName);
      const fd = objGetIfPinned(pin);
      if (fd === undefined) continue;
      const old = mapInfo(fd, pin);
      if (sameShape(old, o.mapShape(name))) {
        closeFd(fd);
        continue;
      }
      unlinkSync(pin);
      stale.push({ name: name as MapName, pin, fd, old });
    }
    return new PinUpgrade(stale, log);
  }

  /** The load failed: the old maps go back where they were. */
  restore(): void {
    for (const s of this.stale) {
      if (!existsSync(s.pin)) objPin(s.fd, s.pin);
      closeFd(s.fd);
    }
    this.stale.length = 0;
  }

  /** After load, before attaching: copies what converts into the new maps. Returns what was replaced. */
  finish(o: BpfObject): string[] {
    const out: string[] = [];
    for (const s of this.stale) {
      const convert = CONVERT[s.name]?.[s.old.valueSize];
      let copied = 0;
      if (convert) {
        const from = new BpfMap(s.name, s.fd, s.old.keySize, s.old.valueSize);
        const to = new BpfMap(s.name, o.mapFd(s.name), MAPS[s.name].key, MAPS[s.name].value);
        for (const [k, v] of from.entries()) {
          const nv = convert(k, v);
          if (nv) {
            to.update(k, nv);
            copied++;
          }
        }
      }
      closeFd(s.fd);
      const what = `${s.name} (key ${s.old.keySize} -> ${MAPS[s.name].key} bytes, value ${s.old.valueSize} -> ${MAPS[s.name].value} bytes, ${convert ? `${copied} entries converted` : "refilled by its owner"})`;
      this.log.warn("replaced a pinned map of an older edgegate layout", { map: what });
      out.push(what);
    }
    this.stale.length = 0;
    return out;
  }
}
