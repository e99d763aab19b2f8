/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a worker takes from DPDK memory, from the config alone, and what
 * DPDK memory is left: so a stack that cannot fit says which setting to
 * change before it allocates anything (docs/config.md "Memory").
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_memory.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "core_priv.h"

uint16_t
tern_mbuf_room(uint16_t mtu)
{
	/* a whole frame past our offset (segments start RTE_ETHER_HDR_LEN past
	 * the headroom, see tcp_seg_alloc); data room in whole KiB past the
	 * headroom (NICs size receive buffers in 1 KiB steps): the default
	 * 2 KiB up to a standard MTU, a jumbo MTU gets buffers that hold a
	 * whole frame, so every segment and every received frame is one buffer */
	uint32_t frame = RTE_ETHER_HDR_LEN + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN + mtu;

	return (uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
			RTE_PKTMBUF_HEADROOM + RTE_ALIGN_CEIL(frame, 1024));
}

static int
mem_first_page_size(const struct rte_memseg_list *msl, void *arg)
{
	*(uint64_t *)arg = msl->page_sz;
	return 1;       /* the first list is enough: they share a page size here */
}

/* The page size of DPDK memory: a hugepage size, or the system's (--no-huge). */
static uint64_t
mem_page_size(void)
{
	uint64_t pg = 0;

	rte_memseg_list_walk(mem_first_page_size, &pg);
	return pg != 0 ? pg : (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * The objects with their headers and padding, laid out as DPDK lays them out
 * so that none crosses a page where it fits in one (with 4 KiB pages a 2.3
 * KiB mbuf takes a page of its own), the ring that holds them, and the
 * header with a cache per lcore when @cached.
 */
uint64_t
tern_mem_pool_bytes(uint32_t n, uint32_t size, bool cached)
{
	struct rte_mempool_objsz sz;
	uint64_t pg = mem_page_size(), objs;

	rte_mempool_calc_obj_size(size, 0, &sz);
	if (sz.total_size <= pg)
		objs = (n + pg / sz.total_size - 1) / (pg / sz.total_size) * pg;
	else
		objs = (uint64_t)n * sz.total_size;
	return objs + (uint64_t)rte_align32pow2(n + 1) * sizeof(void *) +
		sizeof(struct rte_mempool) +
		(cached ? (uint64_t)RTE_MAX_LCORE * sizeof(struct rte_mempool_cache) : 0);
}

/*
 * Bytes of a connection table (rte_hash of @entries, extendable buckets) of
 * @key_len-byte keys: a main and an extension bucket array of 64-byte buckets
 * of 8 entries, a key store of slots of the key and its data pointer rounded
 * to 16 (32 bytes for IPv4's 12-byte key, 64 for IPv6's 44) and the free slot
 * rings of 4-byte indices (lib/hash/rte_cuckoo_hash.c's layout).
 */
static uint64_t
mem_table_bytes(uint32_t entries, uint32_t key_len)
{
	uint64_t buckets = rte_align32pow2(entries) / 8;

	return 2 * buckets * 64 + (uint64_t)(entries + 1) * RTE_ALIGN(8 + key_len, 16) +
		(uint64_t)rte_align32pow2(entries + 1) * 4 + rte_align32pow2(buckets + 1) * 4;
}

void
tern_mem_per_worker(const struct tern_config *cfg, uint16_t mtu, struct tern_mem_need *need)
{
	uint32_t entries = RTE_MAX(cfg->tcp_max_conns + cfg->tcp_max_time_wait, 64u);

	memset(need, 0, sizeof(*need));
	need->mbufs = tern_mem_pool_bytes(cfg->mbufs, sizeof(struct rte_mbuf) + tern_mbuf_room(mtu),
			cfg->mbuf_cache != 0);
	/* with IPv6 every element has the room for an IPv6 key in front, and
	 * IPv6 connections have a table of their own (tcp_worker_init) */
	uint32_t room = cfg->ip6_enabled ? TCP_KEY6_ROOM : 0;

	need->conns = tern_objpool_bytes(cfg->tcp_max_conns, room + sizeof(struct tcp_cb));
	need->time_wait = tern_objpool_bytes(cfg->tcp_max_time_wait,
			room + sizeof(struct tcp_timewait));
	need->table = mem_table_bytes(entries, sizeof(struct tcp_key)) +
		(cfg->ip6_enabled ? mem_table_bytes(entries, sizeof(struct tcp_key6)) : 0);
	/* the listener array (a pointer per port), ARP cache, inbox and
	 * steering ring, and a margin for allocator headers */
	need->fixed = 65536 * sizeof(void *) + net_arp_cache_bytes(cfg->arp_entries) +
		WORKER_INBOX_SIZE * sizeof(struct net_nbr_msg) + WORKER_STEER_SIZE * sizeof(void *) +
		(64u << 10);
	need->total = need->mbufs + need->conns + need->time_wait + need->table + need->fixed;
}

/* Free hugepages of every size, in bytes (the EAL can still map them). */
static uint64_t
mem_free_hugepages(void)
{
	const char *dir = "/sys/kernel/mm/hugepages";
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t total = 0;

	while (d != NULL && (e = readdir(d)) != NULL) {
		unsigned long kb, pages;
		char path[512];
		FILE *f;

		if (sscanf(e->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/%s/free_hugepages", dir, e->d_name);
		f = fopen(path, "r");
		if (f != NULL && fscanf(f, "%lu", &pages) == 1)
			total += (uint64_t)pages * kb * 1024;
		if (f != NULL)
			fclose(f);
	}
	if (d != NULL)
		closedir(d);
	return total;
}

uint64_t
tern_mem_available(void)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			total += st.heap_freesz_bytes;
	}
	/* without hugepages the heap is all there is (-m); with them it grows
	 * into free pages */
	if (rte_eal_has_hugepages())
		total += mem_free_hugepages();
	return total;
}

#define MIB(b) ((double)(b) / (1 << 20))

int
tern_mem_check(const struct tern_config *cfg, uint16_t mtu, unsigned int nb_workers,
		uint64_t app_per_worker, const char *app_what, char *buf, size_t len)
{
	struct tern_mem_need need;
	uint64_t want, have = tern_mem_available();
	int n;

	tern_mem_per_worker(cfg, mtu, &need);
	want = (need.total + app_per_worker) * nb_workers;
	if (want <= have)
		return 0;
	n = snprintf(buf, len, "%u worker(s) need %.0f MiB of DPDK memory, %.0f MiB is free. "
			"Per worker: %.1f MiB for [stack] mbufs = %u, %.1f MiB for [tcp] max_conns = %u, "
			"%.1f MiB for [tcp] max_time_wait = %u, %.1f MiB for their table, %.1f MiB fixed",
			nb_workers, MIB(want), MIB(have), MIB(need.mbufs), cfg->mbufs,
			MIB(need.conns), cfg->tcp_max_conns, MIB(need.time_wait),
			cfg->tcp_max_time_wait, MIB(need.table), MIB(need.fixed));
	if (app_per_worker != 0 && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, ", %.1f MiB for %s", MIB(app_per_worker),
				app_what);
	if (n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ". Lower those, run fewer lcores, or give the "
				"EAL more memory (-m, hugepages)");
	return -ENOMEM;
}
