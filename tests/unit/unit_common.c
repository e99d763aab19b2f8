/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>

#include "eal_rundir.h"
#include "unit_common.h"

static int eal_started;
static struct rte_mempool *pool;

void
unit_eal_init(const char *file_prefix)
{
	char prefix_arg[128];
	char *argv[] = { "unit", "--no-huge", "--no-pci", "-m", "256", "-l", "0",
		"--log-level", "*:error", prefix_arg, NULL };

	if (eal_started)
		return;
	/* a prefix of this process's own: another run of the same suite (a
	 * second checkout, a loop) must not find EAL's lock taken */
	snprintf(prefix_arg, sizeof(prefix_arg), "--file-prefix=%s_%d", file_prefix, (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "unit: EAL init failed: %s\n", rte_strerror(rte_errno));
		exit(2);
	}
	eal_started = 1;
	eal_rundir_remove_at_exit();
}

struct rte_mempool *
unit_pool(void)
{
	if (pool == NULL) {
		pool = rte_pktmbuf_pool_create("unit_pool", 4095, 0, 0,
				RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
		if (pool == NULL) {
			fprintf(stderr, "unit: pool: %s\n", rte_strerror(rte_errno));
			exit(2);
		}
	}
	return pool;
}

int
unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	/* no fork: EAL state is per process, and ASan sees one process */
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
