/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_CORE_QUIESCE_H
#define TERN_CORE_QUIESCE_H

/*
 * Grace periods for memory unmapped under polling workers (quiesce.c).
 *
 * A worker running in tern_stack_run passes a quiescent point between loop
 * iterations, where it is inside no driver call. A thread that is not a
 * running worker and unmaps memory first waits until every running worker
 * has passed that point once: whatever burst a worker was in when the
 * unmap began has ended. DPDK 22.11's net_memif needs it: when its peer
 * goes, its interrupt thread clears the port's connected flag and then
 * unmaps the rings and buffers it shares with the peer, without waiting for
 * a lcore that passed the flag check a moment earlier (docs/bench.md, known
 * problems). A burst that begins after the grace period sees the flag
 * cleared and touches nothing.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_lcore.h>

/** One lcore's state, written by its worker (seen) or around its loop (online). */
struct core_qs_slot {
	uint64_t seen;      /**< last grace-period epoch this worker passed */
	uint32_t online;    /**< the worker loop runs on this lcore */
} __rte_cache_aligned;

extern uint64_t core_qs_epoch;                        /**< bumped per grace period */
extern struct core_qs_slot core_qs_slots[RTE_MAX_LCORE];

/** The calling lcore's worker loop starts; returns its slot. */
struct core_qs_slot *core_qs_online(void);

/** The worker loop of @p slot has ended: it touches the port no more. */
void core_qs_offline(struct core_qs_slot *slot);

/** Between iterations: this worker is inside no driver call. */
static inline void
core_qs_pass(struct core_qs_slot *slot)
{
	uint64_t e = __atomic_load_n(&core_qs_epoch, __ATOMIC_ACQUIRE);

	if (unlikely(slot->seen != e))
		__atomic_store_n(&slot->seen, e, __ATOMIC_RELEASE);
}

/**
 * Wait until every running worker but the caller's has passed a quiescent
 * point (at most a second, then log and go on). Called by munmap(), which
 * quiesce.c wraps; free for any other thread that frees what workers read.
 */
void core_qs_synchronize(void);

#endif /* TERN_CORE_QUIESCE_H */
