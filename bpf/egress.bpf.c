// Gateway -> backends: cgroup v2 connect4/connect6 on the cgroup edgegate runs Envoy in. A TCP
// connect() to an address/port not in eg_egress4/eg_egress6 fails with EPERM and is counted.
// UDP is not policed (Envoy's DNS resolver must keep working).
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EG_MAX_EGRESS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct eg_egress4_key);
	__type(value, struct eg_egress_val);
} eg_egress4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EG_MAX_EGRESS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct eg_egress6_key);
	__type(value, struct eg_egress_val);
} eg_egress6 SEC(".maps");

static __always_inline int allow4(__u32 addr, __be16 port)
{
	struct eg_egress4_key k = { .prefixlen = 64, .port = port, .addr = addr };
	struct eg_egress_val *v = bpf_map_lookup_elem(&eg_egress4, &k);
	if (!v) {
		k.port = 0;
		v = bpf_map_lookup_elem(&eg_egress4, &k);
	}
	if (!v) {
		eg_count(EG_SLOT_EGRESS_DENIED, 1);
		return 0;
	}
	eg_count(v->slot, 1);
	return 1;
}

SEC("cgroup/connect4")
int edgegate_connect4(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 1;
	return allow4(ctx->user_ip4, (__be16)ctx->user_port);
}

SEC("cgroup/connect6")
int edgegate_connect6(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_TCP)
		return 1;
	__be16 port = (__be16)ctx->user_port;
	__u32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1], a2 = ctx->user_ip6[2], a3 = ctx->user_ip6[3];
	/* ::ffff:a.b.c.d from a dual-stack socket is an IPv4 destination. */
	if (a0 == 0 && a1 == 0 && a2 == bpf_htonl(0x0000ffff))
		return allow4(a3, port);
	struct eg_egress6_key k = { .prefixlen = 160, .port = port };
	k.addr[0] = a0;
	k.addr[1] = a1;
	k.addr[2] = a2;
	k.addr[3] = a3;
	struct eg_egress_val *v = bpf_map_lookup_elem(&eg_egress6, &k);
	if (!v) {
		k.port = 0;
		v = bpf_map_lookup_elem(&eg_egress6, &k);
	}
	if (!v) {
		eg_count(EG_SLOT_EGRESS_DENIED, 1);
		return 0;
	}
	eg_count(v->slot, 1);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
