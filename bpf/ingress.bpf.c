// World -> gateway: CIDR policy per listener port and transparent steering of new TCP connections
// and of UDP datagrams to Envoy's socket. Two attach points share the maps:
//   edgegate_tc_ingress  tcx (or legacy tc clsact) ingress on the configured interfaces:
//                        bpf_skc_lookup_tcp / bpf_sk_lookup_udp + bpf_sk_assign, IPv4 and IPv6.
//   edgegate_sk_lookup   BPF_PROG_TYPE_SK_LOOKUP on the network namespace: also covers traffic
//                        from the host itself; the socket comes from eg_listeners, and port ranges
//                        (eg_ranges) are steered here only.
// UDP has no connection: policy and steering decide per datagram (sk_lookup runs for every
// datagram no connected socket claims), and counters count datagrams as packets, not conns.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "maps.h"

/* IPv6 fragment header (RFC 8200 4.5); the kernel's struct frag_hdr is not in the UAPI headers. */
struct frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset in 8-byte units << 3, then 2 reserved bits and M */
	__be32 identification;
};

#ifndef AF_INET
#define AF_INET 2
#define AF_INET6 10
#endif

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EG_MAX_STEER);
	__type(key, struct eg_steer_key);
	__type(value, struct eg_steer_val);
} eg_steer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EG_MAX_POLICIES);
	__type(key, struct eg_policy_key);
	__type(value, struct eg_policy_val);
} eg_policy SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EG_MAX_CIDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct eg_cidr4_key);
	__type(value, struct eg_rule_val);
} eg_cidr4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EG_MAX_CIDRS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct eg_cidr6_key);
	__type(value, struct eg_rule_val);
} eg_cidr6 SEC(".maps");

/* sk_lookup mode: (family, Envoy port, address) -> Envoy's listening socket (edgegate.h). */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, EG_MAX_LISTENERS);
	__type(key, struct eg_listener_key);
	__type(value, __u64);
} eg_listeners SEC(".maps");

/* sk_lookup mode: (family, address, port prefix) -> steering for a port range. One LPM lookup
 * covers any number of ranges, and only connections no exact eg_steer entry matches pay for it. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, EG_MAX_RANGES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct eg_range_key);
	__type(value, struct eg_range_val);
} eg_ranges SEC(".maps");

/* tc mode: the last SYN seen per 4-tuple (its sequence number). A client retransmits a SYN with
 * the same ISN, so a repeat is the same connection attempt and is not counted again; a new
 * connection on a reused 4-tuple has a new ISN. Transient (not pinned): after a restart at worst
 * one retransmission is counted twice. */
struct eg_syn_key {
	__u8 family;
	__u8 pad;
	__be16 sport;
	__be16 dport;
	__u16 pad2;
	__u32 saddr[4];
	__u32 daddr[4];
};
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct eg_syn_key);
	__type(value, __u32);
} eg_syns SEC(".maps");

/* 1 when this SYN repeats the last one of its 4-tuple (a retransmission). */
static __always_inline int eg_syn_repeat(__u8 family, const __u32 *saddr, const __u32 *daddr, const struct tcphdr *th)
{
	struct eg_syn_key k = {};
	k.family = family;
	k.sport = th->source;
	k.dport = th->dest;
	__builtin_memcpy(k.saddr, saddr, 16);
	__builtin_memcpy(k.daddr, daddr, 16);
	__u32 seq = th->seq;
	__u32 *last = bpf_map_lookup_elem(&eg_syns, &k);
	if (last && *last == seq)
		return 1;
	bpf_map_update_elem(&eg_syns, &k, &seq, BPF_ANY);
	return 0;
}

/* 1 = let the connection through, 0 = drop it. Counted per matching rule (or the default). */
static __always_inline int eg_policy_allows(__u8 family, __u8 proto, const __u32 *saddr, const __u32 *daddr, __be16 port, int count)
{
	struct eg_policy_key pk = {};
	pk.family = family;
	pk.protocol = proto;
	pk.port = port;
	pk.addr[0] = daddr[0];
	if (family == EG_FAMILY_V6) {
		pk.addr[1] = daddr[1];
		pk.addr[2] = daddr[2];
		pk.addr[3] = daddr[3];
	}
	struct eg_policy_val *pv = bpf_map_lookup_elem(&eg_policy, &pk);
	if (!pv) {
		struct eg_policy_key any = {};
		any.family = EG_FAMILY_ANY;
		any.protocol = proto;
		any.port = port;
		pv = bpf_map_lookup_elem(&eg_policy, &any);
		if (!pv)
			return 1;
	}
	struct eg_rule_val *rv;
	if (family == EG_FAMILY_V4) {
		struct eg_cidr4_key k = { .prefixlen = 64, .policy_id = pv->policy_id, .addr = saddr[0] };
		rv = bpf_map_lookup_elem(&eg_cidr4, &k);
	} else {
		struct eg_cidr6_key k = { .prefixlen = 160, .policy_id = pv->policy_id };
		k.addr[0] = saddr[0];
		k.addr[1] = saddr[1];
		k.addr[2] = saddr[2];
		k.addr[3] = saddr[3];
		rv = bpf_map_lookup_elem(&eg_cidr6, &k);
	}
	__u8 action = rv ? rv->action : pv->default_action;
	eg_count(rv ? rv->slot : pv->default_slot, count);
	return action != EG_ACTION_DENY;
}

/* tc mode, UDP: every datagram for a steered (address, port) passes policy and is handed to
 * Envoy's socket for the steering target (bound to its address, else the wildcard one); a reply
 * leaves from that socket with the original destination as its source (Envoy's udp_proxy sends
 * with the address it received on). No socket: the kernel's own delivery (port unreachable).
 * A fragmented datagram is seen here before reassembly: its first fragment (the only one with the
 * UDP header) passes policy, a denied one is dropped (so the datagram never reassembles), and an
 * allowed one is left to the kernel's own delivery after reassembly, unsteered. */
/* The ports of a lookup tuple, in the family's variant of the union. */
static __always_inline void eg_tuple_ports(struct bpf_sock_tuple *t, int family, __be16 sport, __be16 dport)
{
	if (family == EG_FAMILY_V4) {
		t->ipv4.sport = sport;
		t->ipv4.dport = dport;
	} else {
		t->ipv6.sport = sport;
		t->ipv6.dport = dport;
	}
}

static __always_inline int eg_tc_udp(struct __sk_buff *skb, __u8 family, const __u32 *saddr, const __u32 *daddr, struct bpf_sock_tuple *t,
				     __u32 tuple_len, __be16 dport, int fragment)
{
	struct eg_steer_key k = {};
	k.family = family;
	k.protocol = EG_PROTO_UDP;
	k.port = dport;
	__builtin_memcpy(k.addr, daddr, 16);
	if (!eg_policy_allows(family, EG_PROTO_UDP, saddr, daddr, dport, 0))
		return TC_ACT_SHOT;
	struct eg_steer_val *sv = bpf_map_lookup_elem(&eg_steer, &k);
	if (!sv || fragment)
		return TC_ACT_UNSPEC;
	if (sv->family == EG_FAMILY_V4) {
		if (family != EG_FAMILY_V4)
			return TC_ACT_UNSPEC;
		t->ipv4.daddr = sv->envoy_addr[0];
		t->ipv4.dport = sv->envoy_port;
	} else if (family == EG_FAMILY_V4) {
		t->ipv4.daddr = 0;
		t->ipv4.dport = sv->envoy_port;
	} else {
		__builtin_memcpy(t->ipv6.daddr, sv->envoy_addr, 16);
		t->ipv6.dport = sv->envoy_port;
	}
	struct bpf_sock *sk = bpf_sk_lookup_udp(skb, t, tuple_len, BPF_F_CURRENT_NETNS, 0);
	if (!sk) {
		eg_count(EG_SLOT_NO_LISTENER, 0);
		return TC_ACT_OK;
	}
	long err = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	eg_count(err ? EG_SLOT_ASSIGN_ERROR : sv->slot, 0);
	return TC_ACT_OK;
}

SEC("tc")
int edgegate_tc_ingress(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return TC_ACT_UNSPEC;

	struct bpf_sock_tuple t = {};
	__u32 tuple_len;
	__u32 saddr[4] = {}, daddr[4] = {};
	__u8 family, l4;
	void *l4h;
	int fragment = 0; /* the first fragment of a fragmented datagram (later ones are not looked at) */

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return TC_ACT_UNSPEC;
		l4 = ip->protocol;
		l4h = (void *)ip + ip->ihl * 4;
		if (ip->frag_off & bpf_htons(0x1fff)) /* not the first fragment: no transport header */
			return TC_ACT_UNSPEC;
		fragment = (ip->frag_off & bpf_htons(0x2000)) != 0; /* more fragments follow */
		family = EG_FAMILY_V4;
		saddr[0] = ip->saddr;
		daddr[0] = ip->daddr;
		t.ipv4.saddr = ip->saddr;
		t.ipv4.daddr = ip->daddr;
		tuple_len = sizeof(t.ipv4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		/* No extension headers but a fragment header: TCP or UDP must follow the fixed header
		 * directly, or a first fragment's fragment header (so a fragmented UDP datagram cannot
		 * pass policy by being split). */
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		if ((void *)(ip6 + 1) > end)
			return TC_ACT_UNSPEC;
		l4 = ip6->nexthdr;
		l4h = (void *)(ip6 + 1);
		if (l4 == IPPROTO_FRAGMENT) {
			struct frag_hdr *fh = l4h;
			if ((void *)(fh + 1) > end || (fh->frag_off & bpf_htons(0xfff8))) /* a later fragment */
				return TC_ACT_UNSPEC;
			l4 = fh->nexthdr;
			l4h = fh + 1;
			fragment = 1;
		}
		family = EG_FAMILY_V6;
		__builtin_memcpy(saddr, &ip6->saddr, 16);
		__builtin_memcpy(daddr, &ip6->daddr, 16);
		__builtin_memcpy(t.ipv6.saddr, saddr, 16);
		__builtin_memcpy(t.ipv6.daddr, daddr, 16);
		tuple_len = sizeof(t.ipv6);
	} else {
		return TC_ACT_UNSPEC;
	}

	if (l4 == IPPROTO_UDP) {
		struct udphdr *uh = l4h;
		if ((void *)(uh + 1) > end)
			return TC_ACT_UNSPEC;
		eg_tuple_ports(&t, family, uh->source, uh->dest);
		return eg_tc_udp(skb, family, saddr, daddr, &t, tuple_len, uh->dest, fragment);
	}
	if (l4 != IPPROTO_TCP)
		return TC_ACT_UNSPEC;
	struct tcphdr *th = l4h;
	if ((void *)(th + 1) > end)
		return TC_ACT_UNSPEC;
	/* A fragmented SYN (never seen from a real stack) is not steered, but it is not a way around
	 * policy either: its first fragment is judged like a SYN. */
	if (fragment)
		return th->syn && !th->ack && !eg_policy_allows(family, EG_PROTO_TCP, saddr, daddr, th->dest, 0) ? TC_ACT_SHOT : TC_ACT_UNSPEC;
	eg_tuple_ports(&t, family, th->source, th->dest);

	int syn = th->syn && !th->ack;
	struct eg_steer_key sk_key = {};
	sk_key.family = family;
	sk_key.protocol = EG_PROTO_TCP;
	sk_key.port = th->dest;
	__builtin_memcpy(sk_key.addr, daddr, 16);

	/* Only a SYN needs steering. Every later packet of the connection carries the 4-tuple of a
	 * socket Envoy already owns (request, established or TIME_WAIT, bound to the original
	 * destination), which the kernel's own lookup finds: skipping two socket lookups per data
	 * packet is what keeps steering level with direct delivery. */
	if (!syn) {
		struct eg_steer_val *dv = bpf_map_lookup_elem(&eg_steer, &sk_key);
		if (dv)
			eg_count(dv->slot, 0);
		return dv ? TC_ACT_OK : TC_ACT_UNSPEC;
	}

	/* A SYN whose 4-tuple already has a request or established socket is a retransmission of a
	 * connection that passed policy and was counted: the kernel's own lookup finds that socket. */
	struct bpf_sock *sk = bpf_skc_lookup_tcp(skb, &t, tuple_len, BPF_F_CURRENT_NETNS, 0);
	int timewait = 0;
	if (sk) {
		int state = sk->state;
		if (state != BPF_TCP_LISTEN && state != BPF_TCP_TIME_WAIT) {
			bpf_sk_release(sk);
			return TC_ACT_UNSPEC;
		}
		timewait = state == BPF_TCP_TIME_WAIT;
		if (!timewait) {
			bpf_sk_release(sk);
			sk = 0;
		}
	}

	struct eg_steer_val *sv = bpf_map_lookup_elem(&eg_steer, &sk_key);
	/* Counters count connection attempts: a retransmitted SYN is not a new one (only steered
	 * ports pay for remembering SYNs). */
	int fresh = sv ? !eg_syn_repeat(family, saddr, daddr, th) : 1;

	/* Policy decides on new connections only: established ones survive a policy change. A denied
	 * SYN is dropped: the client sees a timeout. */
	if (!eg_policy_allows(family, EG_PROTO_TCP, saddr, daddr, th->dest, fresh)) {
		if (sk)
			bpf_sk_release(sk);
		return TC_ACT_SHOT;
	}

	if (!sv) {
		if (sk)
			bpf_sk_release(sk);
		return TC_ACT_UNSPEC;
	}

	/* A new connection on a 4-tuple still in TIME_WAIT: the SYN goes to the TIME_WAIT socket, as
	 * without steering. The kernel then retires it and looks up a listener for the original
	 * destination, which is Envoy's own socket (steering targets point at the socket the Envoy
	 * Listener binds at that address and port). Handing the SYN to the listener instead would
	 * make the kernel drop it: the request socket collides with the TIME_WAIT one. */
	if (timewait)
		goto assign;

	if (sv->family == EG_FAMILY_V4) {
		if (family != EG_FAMILY_V4) /* an IPv6 client cannot land on an IPv4-only socket */
			return TC_ACT_UNSPEC;
		t.ipv4.daddr = sv->envoy_addr[0];
		t.ipv4.dport = sv->envoy_port;
	} else {
		/* IPv4 clients reach a dual-stack [::] listener through the IPv4 lookup. */
		if (family == EG_FAMILY_V4) {
			t.ipv4.daddr = 0;
			t.ipv4.dport = sv->envoy_port;
		} else {
			__builtin_memcpy(t.ipv6.daddr, sv->envoy_addr, 16);
			t.ipv6.dport = sv->envoy_port;
		}
	}
	sk = bpf_skc_lookup_tcp(skb, &t, tuple_len, BPF_F_CURRENT_NETNS, 0);
	if (!sk) {
		/* Envoy is not listening: let the kernel answer with a reset instead of a hang. */
		eg_count(EG_SLOT_NO_LISTENER, fresh);
		return TC_ACT_OK;
	}
	if (sk->state != BPF_TCP_LISTEN) {
		bpf_sk_release(sk);
		eg_count(EG_SLOT_NO_LISTENER, fresh);
		return TC_ACT_OK;
	}
assign:;
	long err = bpf_sk_assign(skb, sk, 0);
	bpf_sk_release(sk);
	if (err) {
		eg_count(EG_SLOT_ASSIGN_ERROR, fresh);
		return TC_ACT_OK;
	}
	eg_count(sv->slot, fresh);
	return TC_ACT_OK;
}

#define CTX_READ(dst, field)                \
	do {                                 \
		__u32 __v = (field);         \
		asm volatile("" : "+r"(__v)); \
		(dst) = __v;                 \
	} while (0)

SEC("sk_lookup")
int edgegate_sk_lookup(struct bpf_sk_lookup *ctx)
{
	__u8 proto;
	if (ctx->protocol == IPPROTO_TCP)
		proto = EG_PROTO_TCP;
	else if (ctx->protocol == IPPROTO_UDP)
		proto = EG_PROTO_UDP;
	else
		return SK_PASS;
	/* TCP: one run per new connection (counted as a conn); UDP: one per datagram (a packet). */
	int conn = proto == EG_PROTO_TCP;
	__u32 saddr[4] = {}, daddr[4] = {};
	__u8 family;
	/* Each context field is loaded inside its branch (the barrier stops clang from sinking the
	 * loads into a shared block through a computed ctx pointer, which the verifier refuses). */
	if (ctx->family == AF_INET) {
		family = EG_FAMILY_V4;
		CTX_READ(saddr[0], ctx->remote_ip4);
		CTX_READ(daddr[0], ctx->local_ip4);
	} else if (ctx->family == AF_INET6) {
		family = EG_FAMILY_V6;
		CTX_READ(saddr[0], ctx->remote_ip6[0]);
		CTX_READ(saddr[1], ctx->remote_ip6[1]);
		CTX_READ(saddr[2], ctx->remote_ip6[2]);
		CTX_READ(saddr[3], ctx->remote_ip6[3]);
		CTX_READ(daddr[0], ctx->local_ip6[0]);
		CTX_READ(daddr[1], ctx->local_ip6[1]);
		CTX_READ(daddr[2], ctx->local_ip6[2]);
		CTX_READ(daddr[3], ctx->local_ip6[3]);
	} else {
		return SK_PASS;
	}
	__be16 port = bpf_htons((__u16)ctx->local_port);

	struct eg_steer_key k = {};
	k.family = family;
	k.protocol = proto;
	k.port = port;
	__builtin_memcpy(k.addr, daddr, 16);
	struct eg_steer_val *sv = bpf_map_lookup_elem(&eg_steer, &k);
	__be16 policy_port = port;
	if (!sv) {
		struct eg_range_key rk = { .prefixlen = EG_RANGE_PREFIX_BASE + 16, .family = family, .protocol = proto, .port = port };
		__builtin_memcpy(rk.addr, daddr, 16);
		struct eg_range_val *rv = bpf_map_lookup_elem(&eg_ranges, &rk);
		if (rv) {
			sv = &rv->steer;
			policy_port = rv->first_port;
		}
	}
	/* sk_lookup runs only for packets no established (TCP) or connected (UDP) socket claims. */
	if (!eg_policy_allows(family, proto, saddr, daddr, policy_port, conn))
		return SK_DROP;
	if (!sv)
		return SK_PASS;

	struct eg_listener_key lkey = {};
	lkey.family = sv->family;
	lkey.protocol = proto;
	lkey.port = sv->envoy_port;
	__builtin_memcpy(lkey.addr, sv->listener_addr, 16);
	struct bpf_sock *sk = bpf_map_lookup_elem(&eg_listeners, &lkey);
	if (!sk) {
		eg_count(EG_SLOT_NO_LISTENER, conn);
		return SK_PASS; /* regular lookup: nobody listens on the address, so a reset */
	}
	long err = bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	eg_count(err ? EG_SLOT_ASSIGN_ERROR : sv->slot, conn);
	return SK_PASS;
}

char LICENSE[] SEC("license") = "GPL";
