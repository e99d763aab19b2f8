/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_OBJPOOL_H
#define TERN_OBJPOOL_H

/*
 * A worker's pool of fixed-size objects (control blocks, TIME_WAIT records,
 * an app's per-connection state) that hands back the object freed last.
 *
 * A plain mempool without a cache is a FIFO ring: every get takes the object
 * that has been free longest, cold in every cache level once the pool is
 * larger than the last-level cache, so each new request or connection starts
 * with misses to memory (perf: a third of tern-httpd's app time was the first
 * load from its request state). A mempool cache of the pool's own
 * (rte_mempool_cache_create) is a LIFO stack in front of the ring, so the
 * working set stays the few objects in use. Only the worker that owns the
 * pool may call get and put: the cache takes no lock.
 */

#include <stdint.h>

#include <rte_mempool.h>

#define TERN_OBJPOOL_CACHE 256     /**< objects kept hot in front of the ring */

struct tern_objpool {
	struct rte_mempool *mp;
	struct rte_mempool_cache *cache;
};

/** Create @p n objects of @p size bytes on @p socket. @return 0 or -ENOMEM. */
int tern_objpool_create(struct tern_objpool *p, const char *name, uint32_t n, uint32_t size,
		int socket);

/** Give the cached objects back and free the pool (a zeroed @p p is fine). */
void tern_objpool_free(struct tern_objpool *p);

/** DPDK memory of tern_objpool_create(@p n, @p size): the pool and its cache. */
uint64_t tern_objpool_bytes(uint32_t n, uint32_t size);

/** The object freed last, or NULL when none is free. */
static inline void *
tern_objpool_get(struct tern_objpool *p)
{
	void *obj;

	return rte_mempool_generic_get(p->mp, &obj, 1, p->cache) == 0 ? obj : NULL;
}

static inline void
tern_objpool_put(struct tern_objpool *p, void *obj)
{
	rte_mempool_generic_put(p->mp, &obj, 1, p->cache);
}

#endif
