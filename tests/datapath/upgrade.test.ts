// Upgrades over pinned state of older layouts. v1 -> now: the previous edgegate's ingress object
// (fixtures/ingress-v1.bpf.o, built before eg_steer_val gained listener_addr and eg_listeners was
// keyed by address) is loaded and attached as sk_lookup in a gateway namespace, with one steering
// entry and its listener socket, and pinned. The current loader must notice both maps' old shapes,
// replace them, convert the steering entry (so the first apply changes nothing) and keep the slot.
// v2 -> now: fixtures/ingress-v2.bpf.o is the object before UDP steering, whose keys had a zeroed
// pad byte where the protocol now is (EG_PROTO_TCP = 0): the maps keep their shape and are adopted
// as they are, so TCP steering goes on through the program swap, before any apply or registration.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { cleanupPins, pinPaths, type MapName } from "../../src/datapath/pins.ts";
import { BpfMap, BpfObject, closeFd, linkCreate, objPin, openFd } from "../../src/datapath/libbpf/object.ts";
import { pidfdGetfd } from "../../src/datapath/libbpf/ffi.ts";
import { ATTACH } from "../../src/datapath/libbpf/structs.ts";
import { LAYOUT, addrPortKey, labelVal, listenerKey, steerVal, u32Key } from "../../src/datapath/layout.ts";
import type { DatapathStatus } from "../../src/datapath/datapath.ts";
import { BIN, BUN, Lines, cannotRun, createPair, type Pair } from "./netns.ts";

const why = cannotRun();
if (why) console.warn(`\n*** SKIPPED tests/datapath/upgrade.test.ts: ${why} ***\n`);
const bpffs = `/sys/fs/bpf/edgegate-upgrade-${process.pid}`;

function loopbackListenerFd(pid: number, port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const line = readFileSync(`/proc/${pid}/net/tcp`, "utf8")
    .split("\n")
    .find((l) => l.includes(`0100007F:${hexPort}`) && l.split(/\s+/)[4] === "0A");
  const inode = line?.trim().split(/\s+/)[9];
  for (const fd of readdirSync(`/proc/${pid}/fd`))
    if (inode && readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: "utf8" }) === `socket:[${inode}]`) return Number(fd);
  throw new Error(`no listener on 127.0.0.1:${port}`);
}

/** What edgegate v1 left: its object loaded and pinned, one steering entry, sk_lookup attached. */
function pinV1(pair: Pair, listenerPid: number): void {
  const p = pinPaths(bpffs);
  mkdirSync(p.maps, { recursive: true });
  mkdirSync(p.links, { recursive: true });
  const o = BpfObject.openMem(new Uint8Array(readFileSync(join(import.meta.dir, "fixtures/ingress-v1.bpf.o"))), "ingress-v1");
  try {
    for (const name of o.mapNames()) o.setPinPath(name, p.map(name as MapName));
    o.setAutoload("edgegate_tc_ingress", false);
    o.load();
    const steer = new BpfMap("eg_steer", o.mapFd("eg_steer"), 20, 24);
    const v = new Uint8Array(24);
    v[0] = 4;
    new DataView(v.buffer).setUint16(2, 15001, false);
    new DataView(v.buffer).setUint32(4, 16, true);
    v.set([127, 0, 0, 1], 8);
    steer.update(addrPortKey(4, 80, new Uint8Array([10, 200, 0, 10])), v);
    new BpfMap("eg_labels", o.mapFd("eg_labels"), 4, 96).update(u32Key(16), labelVal("steer web/public/http 10.200.0.10:80 -> 127.0.0.1:15001"));
    const sock = pidfdGetfd(listenerPid, loopbackListenerFd(listenerPid, 15001));
    const fdVal = new Uint8Array(8);
    new DataView(fdVal.buffer).setBigUint64(0, BigInt(sock), true);
    new BpfMap("eg_listeners", o.mapFd("eg_listeners"), 4, 8).update(u32Key((4 << 16) | 15001), fdVal);
    closeFd(sock);
    const ns = openFd(`/run/netns/${pair.gw}`);
    const link = linkCreate(o.progFd("edgegate_sk_lookup"), ns, ATTACH.skLookup, "sk_lookup v1");
    objPin(link, p.skLookup);
    closeFd(link);
    closeFd(ns);
  } finally {
    o.close();
  }
}

describe.skipIf(why !== undefined)("upgrade over pinned maps of an older layout", () => {
  let pair: Pair;
  let listener: Lines;
  let agent: Lines | undefined;
  const ask = async (cmd: object): Promise<{ error?: string; status?: DatapathStatus }> => {
    agent!.send(JSON.stringify(cmd));
    const r = JSON.parse(await agent!.next()) as { error?: string; status?: DatapathStatus };
    if (r.error) throw new Error(r.error);
    return r;
  };
  const connect = (): { ok: boolean; error?: string; server?: Record<string, unknown> } =>
    JSON.parse(
      pair.run(pair.client, [BUN, join(BIN, "client.ts"), JSON.stringify([{ host: "10.200.0.10", port: 80, src: "10.200.0.2", timeoutMs: 400 }])]).stdout,
    )[0];

  beforeAll(async () => {
    pair = createPair("up");
    listener = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "listener.ts"), "127.0.0.1:15001"]));
    expect(await listener.next()).toBe("ready");
    pinV1(pair, listener.child.pid!);
  });

  afterAll(() => {
    agent?.child.kill("SIGKILL");
    listener?.child.kill("SIGKILL");
    cleanupPins(bpffs);
    pair?.destroy();
  });

  test("old-shape maps are replaced, the steering entry converted, and the listener slot refilled", async () => {
    expect(connect()).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", localPort: 80 } }); // v1 steers

    agent = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "agent.ts"), JSON.stringify({ mode: "sklookup", bpffs })]));
    const open = JSON.parse(await agent.next()) as { status: DatapathStatus };
    expect(open.status).toMatchObject({ enabled: true, start: "adopted" });
    expect(open.status.upgraded?.map((u) => u.split(" ")[0]).sort()).toEqual(["eg_listeners", "eg_steer"]);
    expect(open.status.upgraded?.find((u) => u.startsWith("eg_steer"))).toContain("1 entries converted");
    // the SOCKHASH cannot be copied from user space: until the registrar refills the slot, a reset
    expect(connect()).toMatchObject({ ok: false, error: "ECONNREFUSED" });
    await ask({ op: "listener", family: 4, address: "10.200.0.10", port: 15001, pid: listener.child.pid, fd: loopbackListenerFd(listener.child.pid!, 15001) });
    expect(connect()).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", remote: "10.200.0.2", localPort: 80 } });

    // the converted entry is exactly what the intent produces: the first apply changes nothing
    const applied = await ask({
      op: "apply",
      intent: {
        steering: [{ address: "10.200.0.10", port: 80, envoyPort: 15001, gateway: "web/public", listener: "http" }],
        policies: [],
        egress: [],
        mesh: [],
      },
    });
    expect(applied.status?.lastApply?.changes["eg_steer"]).toEqual({ added: 0, updated: 0, removed: 0 });
    const c = applied.status?.counters.find((x) => x.label.startsWith("steer web/public/http"));
    expect(c).toMatchObject({ slot: 16, conns: 2 }); // v1's connection and the one after the upgrade
  });
});

/** What edgegate v2 (before UDP steering) left: same as pinV1 with v2's layout (pad byte = 0). */
function pinV2(pair: Pair, listenerPid: number, dir: string): void {
  const p = pinPaths(dir);
  mkdirSync(p.maps, { recursive: true });
  mkdirSync(p.links, { recursive: true });
  const o = BpfObject.openMem(new Uint8Array(readFileSync(join(import.meta.dir, "fixtures/ingress-v2.bpf.o"))), "ingress-v2");
  try {
    for (const name of o.mapNames()) o.setPinPath(name, p.map(name as MapName));
    o.setAutoload("edgegate_tc_ingress", false);
    o.load();
    const steer = new BpfMap("eg_steer", o.mapFd("eg_steer"), LAYOUT.eg_steer_key.size, LAYOUT.eg_steer_val.size);
    const gwAddr = new Uint8Array([10, 200, 0, 10]);
    const key = addrPortKey(4, 80, gwAddr);
    expect(key[1]).toBe(0); // v2's pad byte
    steer.update(key, steerVal(4, 15001, 16, new Uint8Array([127, 0, 0, 1]), gwAddr));
    new BpfMap("eg_labels", o.mapFd("eg_labels"), 4, 96).update(u32Key(16), labelVal("steer web/public/http 10.200.0.10:80 -> 127.0.0.1:15001"));
    const sock = pidfdGetfd(listenerPid, loopbackListenerFd(listenerPid, 15001));
    const fdVal = new Uint8Array(8);
    new DataView(fdVal.buffer).setBigUint64(0, BigInt(sock), true);
    new BpfMap("eg_listeners", o.mapFd("eg_listeners"), LAYOUT.eg_listener_key.size, 8).update(listenerKey(4, 15001, gwAddr), fdVal);
    closeFd(sock);
    const ns = openFd(`/run/netns/${pair.gw}`);
    const link = linkCreate(o.progFd("edgegate_sk_lookup"), ns, ATTACH.skLookup, "sk_lookup v2");
    objPin(link, p.skLookup);
    closeFd(link);
    closeFd(ns);
  } finally {
    o.close();
  }
}

describe.skipIf(why !== undefined)("upgrade over pinned maps of the layout before UDP steering", () => {
  const dir = `/sys/fs/bpf/edgegate-upgrade2-${process.pid}`;
  let pair: Pair;
  let listener: Lines;
  let agent: Lines | undefined;
  const ask = async (cmd: object): Promise<{ error?: string; status?: DatapathStatus }> => {
    agent!.send(JSON.stringify(cmd));
    const r = JSON.parse(await agent!.next()) as { error?: string; status?: DatapathStatus };
    if (r.error) throw new Error(r.error);
    return r;
  };
  const connect = (): { ok: boolean; error?: string; server?: Record<string, unknown> } =>
    JSON.parse(
      pair.run(pair.client, [BUN, join(BIN, "client.ts"), JSON.stringify([{ host: "10.200.0.10", port: 80, src: "10.200.0.2", timeoutMs: 400 }])]).stdout,
    )[0];

  beforeAll(async () => {
    pair = createPair("up2");
    // Envoy's socket is on loopback only: without steering, 10.200.0.10:80 is refused
    listener = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "listener.ts"), "127.0.0.1:15001"]));
    expect(await listener.next()).toBe("ready");
    pinV2(pair, listener.child.pid!, dir);
  });

  afterAll(() => {
    agent?.child.kill("SIGKILL");
    listener?.child.kill("SIGKILL");
    cleanupPins(dir);
    pair?.destroy();
  });

  test("the maps are adopted unchanged and TCP steering never pauses", async () => {
    expect(connect()).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", localPort: 80 } }); // v2 steers
    agent = new Lines(pair.exec(pair.gw, [BUN, join(BIN, "agent.ts"), JSON.stringify({ mode: "sklookup", bpffs: dir })]));
    const open = JSON.parse(await agent.next()) as { status: DatapathStatus };
    expect(open.status).toMatchObject({ enabled: true, start: "adopted" });
    expect(open.status.upgraded).toBeUndefined(); // no map replaced: the v2 entries are read as TCP
    const prog = open.status.attachments.find((a) => a.kind === "sk_lookup");
    expect(prog).toBeDefined();
    // the new program runs on v2's entries, the listener slot included, before any apply
    expect(connect()).toMatchObject({ ok: true, server: { listener: "127.0.0.1:15001", remote: "10.200.0.2", localPort: 80 } });
    const applied = await ask({
      op: "apply",
      intent: {
        steering: [{ address: "10.200.0.10", port: 80, envoyPort: 15001, gateway: "web/public", listener: "http" }],
        policies: [],
        egress: [],
        mesh: [],
      },
    });
    expect(applied.status?.lastApply?.changes["eg_steer"]).toEqual({ added: 0, updated: 0, removed: 0 });
    expect(applied.status?.counters.find((x) => x.label.startsWith("steer web/public/http"))).toMatchObject({ slot: 16, conns: 2 });
  });
});
