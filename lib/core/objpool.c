/* SPDX-License-Identifier: BSD-3-Clause */
/* Worker-owned object pools with a LIFO cache of their own (tern_objpool.h). */
#include <errno.h>

#include <rte_common.h>

#include "tern.h"
#include "tern_objpool.h"

int
tern_objpool_create(struct tern_objpool *p, const char *name, uint32_t n, uint32_t size,
		int socket)
{
	p->mp = rte_mempool_create(name, n, size, 0, 0, NULL, NULL, NULL, NULL, socket,
			RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	p->cache = rte_mempool_cache_create(RTE_MIN((uint32_t)TERN_OBJPOOL_CACHE,
			RTE_MAX(n / 2, 1u)), socket);
	if (p->mp == NULL || p->cache == NULL) {
		tern_objpool_free(p);
		return -ENOMEM;
	}
	return 0;
}

void
tern_objpool_free(struct tern_objpool *p)
{
	if (p->cache != NULL && p->mp != NULL)
		rte_mempool_cache_flush(p->cache, p->mp);
	rte_mempool_cache_free(p->cache);
	rte_mempool_free(p->mp);
	p->cache = NULL;
	p->mp = NULL;
}

uint64_t
tern_objpool_bytes(uint32_t n, uint32_t size)
{
	return tern_mem_pool_bytes(n, size, false) + sizeof(struct rte_mempool_cache);
}
