/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef UNIT_COMMON_H
#define UNIT_COMMON_H

/*
 * Shared by the libcheck suites. Suites that need mbufs start EAL once per
 * binary with --no-huge --no-pci and a file prefix of their own, and check in
 * every teardown that each mempool is back to its starting count.
 */

#include <check.h>
#include <rte_mempool.h>

/** Start EAL once for this binary (idempotent); aborts the binary on failure. */
void unit_eal_init(const char *file_prefix);

/** A pktmbuf pool for tests, created on first use (needs unit_eal_init()). */
struct rte_mempool *unit_pool(void);

/** Run @p s with CK_NORMAL output; @return the process exit status. */
int unit_run(Suite *s);

/** Assert that @p mp has @p expect free objects (teardown check). */
#define ck_assert_pool_count(mp, expect) \
	ck_assert_uint_eq(rte_mempool_avail_count(mp), (expect))

#endif
