/* Map definitions shared by both objects: the counters and their labels are pinned once and
 * reused by whichever object loads second. */
#ifndef EDGEGATE_MAPS_H
#define EDGEGATE_MAPS_H
#include "edgegate.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EG_MAX_SLOTS);
	__type(key, __u32);
	__type(value, struct eg_counter);
} eg_counters SEC(".maps");

/* slot -> human-readable name of the rule or target (for `edgegate datapath status`). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, EG_MAX_SLOTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct eg_label);
} eg_labels SEC(".maps");

static __always_inline void eg_count(__u32 slot, int conn)
{
	struct eg_counter *c = bpf_map_lookup_elem(&eg_counters, &slot);
	if (!c)
		return;
	if (conn)
		__sync_fetch_and_add(&c->conns, 1);
	__sync_fetch_and_add(&c->packets, 1);
}
#endif
