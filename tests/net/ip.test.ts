// The one IP module (src/net/ip.ts) against the references the rest of the world uses: Node's
// net.isIP for what is an address, the WHATWG URL host serializer for the canonical IPv6 text.
import { isIP as nodeIsIP } from "node:net";
import { expect, test } from "bun:test";
import { canonicalIp, formatCidr, isIP, isIPv4, isIPv6, parseCidr } from "../../src/net/ip.ts";
import { parseAddress } from "../../src/net/address.ts";

const cases = [
  "0.0.0.0",
  "127.0.0.1",
  "255.255.255.255",
  "256.0.0.1",
  "127.0.0.999",
  "01.2.3.4",
  "1.2.3",
  "1.2.3.4.5",
  "::",
  "::1",
  "0:0:0:0:0:0:0:1",
  "2001:db8::8a2e:370:7334",
  "2001:DB8::1",
  "1:2:3:4:5:6:7::",
  "::2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8",
  "1:2:3:4:5:6:7:8:9",
  "1:2:3:4:5:6:7:8::",
  "1::2::3",
  "::ffff:1.2.3.4",
  "::ffff:1.2.3.256",
  "1.2.3.4::1",
  "12345::1",
  "localhost",
  "",
];

test("isIP, isIPv4 and isIPv6 agree with node:net on every case", () => {
  for (const c of cases) {
    const family = nodeIsIP(c);
    expect({ c, ip: isIP(c), v4: isIPv4(c), v6: isIPv6(c) }).toEqual({ c, ip: family !== 0, v4: family === 4, v6: family === 6 });
  }
});

test("a zone-scoped IPv6 address (node:net takes it) is refused: status and Envoy addresses carry no zone", () => {
  expect(nodeIsIP("fe80::1%eth0")).toBe(6);
  expect(isIP("fe80::1%eth0")).toBe(false);
});

test("canonicalIp writes IPv6 as the URL standard does; other text is left alone", () => {
  for (const c of cases.filter((x) => nodeIsIP(x) === 6)) expect(canonicalIp(c)).toBe(new URL(`http://[${c}]/`).hostname.slice(1, -1));
  expect(canonicalIp("10.0.0.1")).toBe("10.0.0.1");
  expect(canonicalIp("not-an-ip")).toBe("not-an-ip");
});

test("CIDRs: host bits are cleared and reported", () => {
  const c = parseCidr("10.1.2.3/8");
  expect(c && { text: formatCidr(c), hostBits: c.hostBits }).toEqual({ text: "10.0.0.0/8", hostBits: true });
  expect(parseCidr("2001:db8::/32")?.hostBits).toBe(false);
  expect(parseCidr("10.0.0.0/33")).toBeUndefined();
});

test("the listen-address parser uses the same rules: what it accepts binds, what it refuses never did", () => {
  expect(() => parseAddress("127.0.0.999:9901", "admin.address")).toThrow(/not an IPv4 address/);
  expect(parseAddress("[0:0:0:0:0:0:0:1]:9901", "admin.address")).toEqual({ kind: "tcp", host: "::1", port: 9901 });
});
