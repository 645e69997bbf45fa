// GAMMA steering for node-local clients: cgroup v2 connect4/connect6 programs rewrite a TCP
// connect() to a mesh Service's ClusterIP:port into one to Envoy's mesh listener on loopback
// (edgegate's src/mesh decides which Service ports, src/datapath/mesh loads this), so the client
// needs no change and no packet is ever NATed. The original destination is kept in socket storage
// and handed back by getpeername4/6, so the client still sees the Service as its peer. Processes
// in a cgroup listed in eg_mesh_skip (Envoy's own, when it runs in one) are never rewritten, nor
// are sockets of another network namespace than Envoy's (eg_mesh_netns): a pod's loopback is not
// the node's, so rewriting there would send the pod to itself.
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define EG_MAX_MESH 16384

struct eg_mesh4_key {
	__be32 addr;
	__be16 port;
	__u16 pad;
};

struct eg_mesh6_key {
	__be32 addr[4];
	__be16 port;
	__u16 pad;
};

struct eg_mesh_val {
	__be16 envoy_port;
	__u16 pad;
	__u32 pad2;
	__u64 connections; /* connect() calls rewritten */
};

/* What the client dialled, for getpeername: family 4 or 6, address, port (network order). */
struct eg_mesh_orig {
	__be32 addr[4];
	__be16 port;
	__u8 family;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EG_MAX_MESH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct eg_mesh4_key);
	__type(value, struct eg_mesh_val);
} eg_mesh4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EG_MAX_MESH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct eg_mesh6_key);
	__type(value, struct eg_mesh_val);
} eg_mesh6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u8);
} eg_mesh_skip SEC(".maps");

/* [0]: the netns cookie of the namespace Envoy's mesh listeners live in (0 = not set: any). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} eg_mesh_netns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct eg_mesh_orig);
} eg_mesh_orig SEC(".maps");

static __always_inline int skipped(struct bpf_sock_addr *ctx)
{
	__u32 zero = 0;
	__u64 *netns = bpf_map_lookup_elem(&eg_mesh_netns, &zero);
	if (netns && *netns != 0 && bpf_get_netns_cookie(ctx) != *netns)
		return 1;
	__u64 cg = bpf_get_current_cgroup_id();
	return bpf_map_lookup_elem(&eg_mesh_skip, &cg) != 0;
}

static __always_inline void remember(struct bpf_sock_addr *ctx, __u8 family, __be32 a0, __be32 a1, __be32 a2, __be32 a3, __be16 port)
{
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return;
	struct eg_mesh_orig *o = bpf_sk_storage_get(&eg_mesh_orig, sk, 0, BPF_SK_STORAGE_GET_F_CREATE);
	if (!o)
		return;
	o->family = family;
	o->addr[0] = a0;
	o->addr[1] = a1;
	o->addr[2] = a2;
	o->addr[3] = a3;
	o->port = port;
}

static __always_inline struct eg_mesh_val *lookup4(__be32 addr, __be16 port)
{
	struct eg_mesh4_key k = { .addr = addr, .port = port };
	return bpf_map_lookup_elem(&eg_mesh4, &k);
}

SEC("cgroup/connect4")
int edgegate_mesh_connect4(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_TCP || skipped(ctx))
		return 1;
	__be32 addr = ctx->user_ip4;
	__be16 port = (__be16)ctx->user_port;
	struct eg_mesh_val *v = lookup4(addr, port);
	if (!v)
		return 1;
	remember(ctx, 4, addr, 0, 0, 0, port);
	ctx->user_ip4 = bpf_htonl(0x7f000001);
	ctx->user_port = v->envoy_port;
	__sync_fetch_and_add(&v->connections, 1);
	return 1;
}

SEC("cgroup/connect6")
int edgegate_mesh_connect6(struct bpf_sock_addr *ctx)
{
	if (ctx->protocol != IPPROTO_TCP || skipped(ctx))
		return 1;
	__be16 port = (__be16)ctx->user_port;
	__be32 a0 = ctx->user_ip6[0], a1 = ctx->user_ip6[1], a2 = ctx->user_ip6[2], a3 = ctx->user_ip6[3];
	struct eg_mesh_val *v;
	/* ::ffff:a.b.c.d from a dual-stack socket is an IPv4 destination: rewrite to ::ffff:127.0.0.1. */
	if (a0 == 0 && a1 == 0 && a2 == bpf_htonl(0x0000ffff)) {
		v = lookup4(a3, port);
		if (!v)
			return 1;
		remember(ctx, 4, a3, 0, 0, 0, port);
		ctx->user_ip6[3] = bpf_htonl(0x7f000001);
	} else {
		struct eg_mesh6_key k = { .port = port };
		k.addr[0] = a0;
		k.addr[1] = a1;
		k.addr[2] = a2;
		k.addr[3] = a3;
		v = bpf_map_lookup_elem(&eg_mesh6, &k);
		if (!v)
			return 1;
		remember(ctx, 6, a0, a1, a2, a3, port);
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = 0;
		ctx->user_ip6[3] = bpf_htonl(1);
	}
	ctx->user_port = v->envoy_port;
	__sync_fetch_and_add(&v->connections, 1);
	return 1;
}

SEC("cgroup/getpeername4")
int edgegate_mesh_getpeername4(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return 1;
	struct eg_mesh_orig *o = bpf_sk_storage_get(&eg_mesh_orig, sk, 0, 0);
	if (o && o->family == 4) {
		ctx->user_ip4 = o->addr[0];
		ctx->user_port = o->port;
	}
	return 1;
}

SEC("cgroup/getpeername6")
int edgegate_mesh_getpeername6(struct bpf_sock_addr *ctx)
{
	struct bpf_sock *sk = ctx->sk;
	if (!sk)
		return 1;
	struct eg_mesh_orig *o = bpf_sk_storage_get(&eg_mesh_orig, sk, 0, 0);
	if (!o)
		return 1;
	if (o->family == 4) {
		ctx->user_ip6[0] = 0;
		ctx->user_ip6[1] = 0;
		ctx->user_ip6[2] = bpf_htonl(0x0000ffff);
		ctx->user_ip6[3] = o->addr[0];
	} else {
		ctx->user_ip6[0] = o->addr[0];
		ctx->user_ip6[1] = o->addr[1];
		ctx->user_ip6[2] = o->addr[2];
		ctx->user_ip6[3] = o->addr[3];
	}
	ctx->user_port = o->port;
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
