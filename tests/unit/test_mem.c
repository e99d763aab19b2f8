/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory per worker (lib/core/mem.c): the formula against what a stack
 * really takes from the DPDK heap, and the check before allocation: a
 * config that does not fit is refused with ENOMEM before anything is
 * allocated, and the message names the settings.
 */
#include <errno.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "net_frames.h"
#include "tern.h"
#include "tern_sim.h"
#include "unit_common.h"

static uint64_t
heap_used(void)
{
	struct rte_malloc_socket_stats st;

	ck_assert_int_eq(rte_malloc_get_socket_stats((int)rte_socket_id(), &st), 0);
	return st.heap_allocsz_bytes;
}

static struct tern_netdev *
dev_of(unsigned int workers)
{
	struct rte_ether_addr mac = NF_OUR_MAC;
	struct tern_netdev *dev = tern_sim_create("simmem", &mac, 1500, (uint16_t)workers);

	ck_assert_ptr_nonnull(dev);
	return dev;
}

/* What the stack itself holds besides its workers: the stack, the worker
 * array, the flow map, allocator headers. */
#define STACK_OWN_MAX (64u << 10)

/* The formula covers what a worker takes, without counting it twice over. */
START_TEST(test_mem_formula_matches_heap)
{
	static const uint32_t conns[] = { 1024, 16384, 65536 };
	struct tern_config cfg;
	struct tern_mem_need need;
	struct tern_netdev *dev;
	struct tern_stack *s;
	uint64_t before, used;

	nf_stack_config(&cfg);
	cfg.mbufs = 4095;
	cfg.tcp_max_conns = conns[_i % 3];
	cfg.tcp_max_time_wait = conns[_i % 3] / 2;
	if (_i >= 3) {
		/* IPv6: elements with the key's room, a second table */
		static const uint8_t a6[16] = { 0xfd, [15] = 2 };

		cfg.ip6_enabled = 1;
		memcpy(cfg.ip6_addr, a6, 16);
		cfg.ip6_prefix_len = 64;
	}
	tern_mem_per_worker(&cfg, 1500, &need);
	ck_assert_uint_eq(need.total, need.mbufs + need.conns + need.time_wait + need.table +
			need.fixed);
	dev = dev_of(2);
	before = heap_used();
	s = tern_stack_create(&cfg, dev, 2);
	ck_assert_msg(s != NULL, "%s", rte_strerror(rte_errno));
	used = heap_used() - before;
	tern_stack_free(s);
	/* two workers, plus the stack's own small allocations */
	ck_assert_msg(2 * need.total + STACK_OWN_MAX >= used, "formula %" PRIu64 " < heap %"
			PRIu64, 2 * need.total, used);
	ck_assert_msg(2 * need.total <= used + used / 4 + (1u << 20),
			"formula %" PRIu64 " far above heap %" PRIu64, 2 * need.total, used);
}
END_TEST

/*
 * Issue 19: an idle connection takes at most 1 KiB of DPDK memory with
 * either family: its control block's pool element and its share of the
 * connection table(s) at a million connections, by the formula that
 * test_mem_formula_matches_heap holds to the heap.
 */
START_TEST(test_mem_per_idle_conn)
{
	static const uint8_t a6[16] = { 0xfd, [15] = 2 };
	const uint32_t n = 1u << 20;
	struct tern_config cfg;
	struct tern_mem_need need;

	for (int six = 0; six < 2; six++) {
		nf_stack_config(&cfg);
		cfg.tcp_max_conns = n;
		cfg.tcp_max_time_wait = 64;
		cfg.ip6_enabled = (uint32_t)six;
		if (six) {
			memcpy(cfg.ip6_addr, a6, 16);
			cfg.ip6_prefix_len = 64;
		}
		tern_mem_per_worker(&cfg, 1500, &need);
		printf("mem: per idle connection, %s: %" PRIu64 " B (control block %" PRIu64
				", table %" PRIu64 ")\n", six ? "[ipv6] on" : "IPv4 only",
				(need.conns + need.table) / n, need.conns / n, need.table / n);
		ck_assert_uint_le((need.conns + need.table) / n, 1024);
	}
}
END_TEST

START_TEST(test_mem_refused_before_allocating)
{
	struct tern_config cfg;
	struct tern_netdev *dev;
	char msg[1024];
	uint64_t before;

	nf_stack_config(&cfg);
	cfg.mbufs = 1u << 22;              /* 4 Mi mbufs: far past this EAL's -m */
	ck_assert_int_eq(tern_mem_check(&cfg, 1500, 2, 1 << 20, "the app's state", msg,
			sizeof(msg)), -ENOMEM);
	ck_assert_ptr_nonnull(strstr(msg, "[stack] mbufs = 4194304"));
	ck_assert_ptr_nonnull(strstr(msg, "[tcp] max_conns"));
	ck_assert_ptr_nonnull(strstr(msg, "the app's state"));
	/* refused with nothing allocated: the heap is as before the device,
	 * which the failed create closes */
	before = heap_used();
	dev = dev_of(2);
	ck_assert_ptr_null(tern_stack_create(&cfg, dev, 2));
	ck_assert_int_eq(rte_errno, ENOMEM);
	ck_assert_uint_eq(heap_used(), before);
	/* a config that fits passes */
	nf_stack_config(&cfg);
	ck_assert_int_eq(tern_mem_check(&cfg, 1500, 1, 0, NULL, msg, sizeof(msg)), 0);
}
END_TEST

static Suite *
mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc = tcase_create("per_worker");

	tcase_add_loop_test(tc, test_mem_formula_matches_heap, 0, 6);
	tcase_add_test(tc, test_mem_per_idle_conn);
	tcase_add_test(tc, test_mem_refused_before_allocating);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	unit_eal_init("tern-unit-mem");
	return unit_run(mem_suite());
}
