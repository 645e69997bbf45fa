// exposure.addressPool: the entry the load-time check accepts is exactly what translate expands.
import { expect, test } from "bun:test";
import { expandPool, MAX_POOL_ADDRESSES, parsePoolEntry } from "../../src/net/pool.ts";
import { parseConfig } from "../../src/config/load.ts";

test("single addresses, IPv4 ranges and IPv4 CIDRs expand in order", () => {
  expect(expandPool(["192.0.2.7", "2001:db8::7", "10.0.0.254-10.0.1.1", "10.1.0.0/31"])).toEqual([
    "192.0.2.7",
    "2001:db8::7",
    "10.0.0.254",
    "10.0.0.255",
    "10.0.1.0",
    "10.0.1.1",
    "10.1.0.0",
    "10.1.0.1",
  ]);
  expect(expandPool(["10.0.0.0/16"]).length).toBe(MAX_POOL_ADDRESSES);
});

test("an entry that would expand to something else than it says is refused, naming why", () => {
  expect(parsePoolEntry("10.0.0.5/30")).toEqual({ error: '"10.0.0.5/30" has bits set past the /30 prefix (did you mean 10.0.0.4/30?)' });
  expect(parsePoolEntry("10.0.0.9-10.0.0.1")).toEqual({ error: '"10.0.0.9-10.0.0.1": the range ends before it starts' });
  for (const bad of ["2001:db8::/24", "10.0.0.0/8", "10.0.0.0/33", "10.0.0.1-2001:db8::1", "10.0.0.256", "pool-a"])
    expect(parsePoolEntry(bad)).toEqual({ error: `${JSON.stringify(bad)} is not an IP address, an IPv4 range (A-B) or an IPv4 CIDR of /16 to /32` });
});

test("the config check reports a bad entry with its file, line and index", () => {
  const text = "source: {paths: [in]}\nexposure:\n  addressPool: [192.0.2.7, 10.0.0.5/30]\n";
  const { problems } = parseConfig("/etc/edgegate/edgegate.yaml", text);
  expect(problems.map((p) => [p.line, p.path, p.message])).toEqual([
    [3, "exposure.addressPool[1]", '"10.0.0.5/30" has bits set past the /30 prefix (did you mean 10.0.0.4/30?)'],
  ]);
});
