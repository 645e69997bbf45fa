/* Shared definitions of edgegate's BPF maps. The TypeScript side (src/datapath/layout.ts) encodes
 * the same layouts byte for byte; tests/datapath/layout.test.ts checks them against this file
 * compiled with clang. Addresses and ports are in network byte order unless named *_host. */
#ifndef EDGEGATE_H
#define EDGEGATE_H

#include <linux/types.h>

#define EG_FAMILY_ANY 0 /* policy key: every address family, every address */
#define EG_FAMILY_V4 4
#define EG_FAMILY_V6 6

/* Transport protocol byte of the steering, listener, range and policy keys. TCP is 0 because the
 * layout before UDP steering had a zeroed pad byte there: pinned maps of that layout keep their
 * shape and every entry they hold still means TCP (src/datapath/upgrade.ts). Not IPPROTO_*. */
#define EG_PROTO_TCP 0
#define EG_PROTO_UDP 1

#define EG_ACTION_ALLOW 1
#define EG_ACTION_DENY 2

/* Fixed counter slots; rules and targets get slots from EG_SLOT_FIRST_DYNAMIC on. */
#define EG_SLOT_NO_LISTENER 0   /* steered, but Envoy was not listening: the kernel reset it */
#define EG_SLOT_ASSIGN_ERROR 1  /* bpf_sk_assign failed */
#define EG_SLOT_EGRESS_DENIED 2 /* connect() refused by the egress policy */
#define EG_SLOT_FIRST_DYNAMIC 16
#define EG_MAX_SLOTS 131072

#define EG_MAX_STEER 4096
#define EG_MAX_RANGES 4096   /* port-range prefixes (a range is at most 30 of them) */
#define EG_MAX_LISTENERS 1024
#define EG_MAX_POLICIES 4096
#define EG_MAX_CIDRS 65536
#define EG_MAX_EGRESS 16384
#define EG_LABEL_LEN 96

/* (family, protocol, port, address) -> Envoy listener. */
struct eg_steer_key {
	__u8 family;
	__u8 protocol; /* EG_PROTO_* */
	__be16 port;
	__u32 addr[4]; /* IPv4 in addr[0], rest zero */
};
struct eg_steer_val {
	__u8 family; /* family of the Envoy listener */
	__u8 pad;
	__be16 envoy_port;
	__u32 slot;
	__u32 envoy_addr[4];     /* tc: where bpf_skc_lookup_tcp looks for Envoy's socket */
	__u32 listener_addr[4];  /* sk_lookup: address part of the eg_listeners key (see below) */
};

/* sk_lookup: (family, protocol, Envoy port, address) -> Envoy's listening (TCP) or bound (UDP) socket. The address is Envoy's
 * explicit listener address, else the steered address itself: two Gateways sharing a port on
 * different addresses have two Envoy sockets, and each steered address must find its own. The
 * appliance fills a slot with the socket bound to exactly that address, else the wildcard one. */
struct eg_listener_key {
	__u8 family;
	__u8 protocol;
	__be16 port;
	__u32 addr[4];
};

/* sk_lookup port ranges: LPM key whose prefix is family + protocol + pad (32 bits), the address (128 bits,
 * always exact) and then a prefix of the port; a range [lo, hi] is stored as its covering set of
 * port prefixes, all with the same value. */
struct eg_range_key {
	__u32 prefixlen;
	__u8 family;
	__u8 protocol;
	__u8 pad[2];
	__u32 addr[4];
	__be16 port;
	__u16 pad2;
};
#define EG_RANGE_PREFIX_BASE 160 /* family + protocol + pad + address bits before the port */
struct eg_range_val {
	struct eg_steer_val steer;
	__be16 first_port; /* a range is one listener: its policy is looked up on its first port */
	__be16 last_port;
};

/* (family, protocol, port, address) -> policy; family EG_FAMILY_ANY with a zero address is the
 * port-wide policy of that protocol. */
struct eg_policy_key {
	__u8 family;
	__u8 protocol;
	__be16 port;
	__u32 addr[4];
};
struct eg_policy_val {
	__u32 policy_id;
	__u8 default_action;
	__u8 pad[3];
	__u32 default_slot;
};

/* LPM keys: prefixlen counts the policy id (32 bits) plus the CIDR bits. */
struct eg_cidr4_key {
	__u32 prefixlen;
	__u32 policy_id;
	__u32 addr;
};
struct eg_cidr6_key {
	__u32 prefixlen;
	__u32 policy_id;
	__u32 addr[4];
};
struct eg_rule_val {
	__u8 action;
	__u8 pad[3];
	__u32 slot;
};

/* Egress LPM keys: prefixlen counts port + pad (32 bits) plus the CIDR bits; port 0 = any port. */
struct eg_egress4_key {
	__u32 prefixlen;
	__be16 port;
	__u16 pad;
	__u32 addr;
};
struct eg_egress6_key {
	__u32 prefixlen;
	__be16 port;
	__u16 pad;
	__u32 addr[4];
};
struct eg_egress_val {
	__u32 slot;
};

struct eg_counter {
	__u64 conns;
	__u64 packets;
};

struct eg_label {
	char text[EG_LABEL_LEN];
};

#endif
