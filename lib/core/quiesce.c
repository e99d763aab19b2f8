/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Grace periods before memory is unmapped under running workers (quiesce.h).
 *
 * What it closes, as DPDK 22.11.11's net_memif does it when its peer goes
 * (drivers/net/memif): the EAL interrupt thread runs memif_disconnect(),
 * which clears ETH_MEMIF_FLAG_CONNECTED and then, in memif_free_regions(),
 * munmap()s the regions (rings and buffers) shared with the peer. The
 * PMD's rx and tx bursts check that flag once, at their start, and then
 * read and write those regions: a worker that passed the check just before
 * the flag was cleared faults on the unmapped ring (SIGSEGV in
 * librte_net_memif; evidence in docs/bench.md). The PMD raises no ethdev
 * event there (no link-state callback runs before the unmap), so Tern
 * cannot hear of the disconnect in time; it can only make the unmap wait.
 *
 * This file defines munmap(). Linked into the program, it comes first in
 * the dynamic symbol lookup, so the PMD's call (through its PLT) lands here:
 * a thread that is not a running worker waits for a grace period (every
 * running worker passes core_qs_pass() once, between two iterations) and
 * then unmaps through the next definition (libc's, or a sanitizer's). A
 * burst that starts after the grace period sees the flag cleared and
 * returns before touching the regions. A worker's own munmap, and any
 * munmap while no worker runs, goes straight through. The cost per
 * iteration is one load of a line that only changes when a grace period
 * starts.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_lcore.h>

#include "core_priv.h"
#include "quiesce.h"

uint64_t core_qs_epoch __rte_cache_aligned;
struct core_qs_slot core_qs_slots[RTE_MAX_LCORE];
static uint32_t qs_online_count __rte_cache_aligned;

#define QS_WAIT_MAX_NS 1000000000ull  /* a worker stuck longer: log, unmap anyway */

static int munmap_next(void *addr, size_t len);

struct core_qs_slot *
core_qs_online(void)
{
	unsigned int lcore = rte_lcore_id();
	struct core_qs_slot *slot;
	static bool checked;

	if (lcore >= RTE_MAX_LCORE)
		return NULL;
	slot = &core_qs_slots[lcore];
	__atomic_store_n(&slot->online, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&qs_online_count, 1, __ATOMIC_SEQ_CST);
	/* pairs with the epoch bump in core_qs_synchronize: either it sees
	 * this worker online, or this worker sees its epoch (and every store
	 * made before it) before its first burst */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&slot->seen, __atomic_load_n(&core_qs_epoch, __ATOMIC_ACQUIRE),
			__ATOMIC_RELEASE);
	if (!__atomic_exchange_n(&checked, true, __ATOMIC_RELAXED) &&
			dlsym(RTLD_DEFAULT, "munmap") != (void *)munmap)
		CORE_LOG(WARNING, "munmap is not Tern's in this program: a net_memif peer "
				"that disconnects can crash it (link with -Wl,--export-dynamic-symbol=munmap)");
	return slot;
}

void
core_qs_offline(struct core_qs_slot *slot)
{
	if (slot == NULL)
		return;
	/* every burst of this worker happened before this store */
	__atomic_store_n(&slot->online, 0, __ATOMIC_RELEASE);
	__atomic_fetch_sub(&qs_online_count, 1, __ATOMIC_RELEASE);
}

static uint64_t
qs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
core_qs_synchronize(void)
{
	unsigned int self = rte_lcore_id();
	uint64_t e, deadline = 0;

	/* every store before this one (the PMD's flag clear) is seen by a
	 * worker that reads this epoch */
	e = __atomic_add_fetch(&core_qs_epoch, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&qs_online_count, __ATOMIC_SEQ_CST) == 0)
		return;
	for (unsigned int l = 0; l < RTE_MAX_LCORE; l++) {
		struct core_qs_slot *slot = &core_qs_slots[l];

		if (l == self)      /* a worker unmapping: it is in no burst */
			continue;
		while (__atomic_load_n(&slot->online, __ATOMIC_ACQUIRE) &&
				(int64_t)(__atomic_load_n(&slot->seen, __ATOMIC_ACQUIRE) - e) < 0) {
			uint64_t now = qs_now_ns();

			if (deadline == 0) {
				deadline = now + QS_WAIT_MAX_NS;
			} else if (now > deadline) {
				CORE_LOG(WARNING, "lcore %u passed no quiescent point in 1 s: "
						"memory is unmapped under it", l);
				break;
			}
			/* the worker may share this thread's core */
			sched_yield();
		}
	}
}

/* The munmap after ours in the lookup order: libc's, or a sanitizer's. */
static int
munmap_next(void *addr, size_t len)
{
	static int (*next)(void *, size_t);
	int (*fn)(void *, size_t) = __atomic_load_n(&next, __ATOMIC_ACQUIRE);

	if (fn == NULL) {
		fn = (int (*)(void *, size_t))dlsym(RTLD_NEXT, "munmap");
		if (fn == NULL)
			return (int)syscall(SYS_munmap, addr, len);
		__atomic_store_n(&next, fn, __ATOMIC_RELEASE);
	}
	return fn(addr, len);
}

int
munmap(void *addr, size_t len)
{
	core_qs_synchronize();
	return munmap_next(addr, len);
}
