/* Prints sizes and offsets of the structs shared with TypeScript as JSON (host build, not BPF):
 * tests/datapath/layout.test.ts compares them with src/datapath/layout.ts and libbpf/structs.ts. */
#include <stdio.h>
#include <stddef.h>
#include <bpf/libbpf.h>
#include "edgegate.h"

#define S(t) printf("%s\"%s\":{\"size\":%zu", first ? "" : ",", #t, sizeof(struct t)); first = 0
#define F(t, f) printf(",\"%s\":%zu", #f, offsetof(struct t, f))
#define E() printf("}")

int main(void)
{
	int first = 1;
	printf("{");
	S(eg_steer_key); F(eg_steer_key, family); F(eg_steer_key, protocol); F(eg_steer_key, port); F(eg_steer_key, addr); E();
	S(eg_steer_val); F(eg_steer_val, family); F(eg_steer_val, envoy_port); F(eg_steer_val, slot); F(eg_steer_val, envoy_addr); F(eg_steer_val, listener_addr); E();
	S(eg_listener_key); F(eg_listener_key, family); F(eg_listener_key, protocol); F(eg_listener_key, port); F(eg_listener_key, addr); E();
	S(eg_range_key); F(eg_range_key, prefixlen); F(eg_range_key, family); F(eg_range_key, protocol); F(eg_range_key, addr); F(eg_range_key, port); E();
	S(eg_range_val); F(eg_range_val, steer); F(eg_range_val, first_port); F(eg_range_val, last_port); E();
	S(eg_policy_key); F(eg_policy_key, family); F(eg_policy_key, protocol); F(eg_policy_key, port); F(eg_policy_key, addr); E();
	S(eg_policy_val); F(eg_policy_val, policy_id); F(eg_policy_val, default_action); F(eg_policy_val, default_slot); E();
	S(eg_cidr4_key); F(eg_cidr4_key, prefixlen); F(eg_cidr4_key, policy_id); F(eg_cidr4_key, addr); E();
	S(eg_cidr6_key); F(eg_cidr6_key, prefixlen); F(eg_cidr6_key, policy_id); F(eg_cidr6_key, addr); E();
	S(eg_rule_val); F(eg_rule_val, action); F(eg_rule_val, slot); E();
	S(eg_egress4_key); F(eg_egress4_key, prefixlen); F(eg_egress4_key, port); F(eg_egress4_key, addr); E();
	S(eg_egress6_key); F(eg_egress6_key, prefixlen); F(eg_egress6_key, port); F(eg_egress6_key, addr); E();
	S(eg_egress_val); F(eg_egress_val, slot); E();
	S(eg_counter); F(eg_counter, conns); F(eg_counter, packets); E();
	S(eg_label); F(eg_label, text); E();
	S(bpf_tc_hook); F(bpf_tc_hook, sz); F(bpf_tc_hook, ifindex); F(bpf_tc_hook, attach_point); F(bpf_tc_hook, parent); E();
	S(bpf_map_info); F(bpf_map_info, type); F(bpf_map_info, key_size); F(bpf_map_info, value_size); F(bpf_map_info, max_entries); F(bpf_map_info, map_flags); E();
	S(bpf_tc_opts); F(bpf_tc_opts, sz); F(bpf_tc_opts, prog_fd); F(bpf_tc_opts, flags); F(bpf_tc_opts, prog_id); F(bpf_tc_opts, handle); F(bpf_tc_opts, priority); E();
	printf(",\"consts\":{\"EG_SLOT_FIRST_DYNAMIC\":%d,\"EG_MAX_SLOTS\":%d,\"EG_LABEL_LEN\":%d,\"EG_RANGE_PREFIX_BASE\":%d,\"EG_PROTO_TCP\":%d,\"EG_PROTO_UDP\":%d,\"BPF_TC_INGRESS\":%d,\"BPF_TC_F_REPLACE\":%d}",
	       EG_SLOT_FIRST_DYNAMIC, EG_MAX_SLOTS, EG_LABEL_LEN, EG_RANGE_PREFIX_BASE, EG_PROTO_TCP, EG_PROTO_UDP, BPF_TC_INGRESS, BPF_TC_F_REPLACE);
	printf("}\n");
	return 0;
}
