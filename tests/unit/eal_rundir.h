/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef EAL_RUNDIR_H
#define EAL_RUNDIR_H

/*
 * EAL leaves its runtime directory (/var/run/dpdk/PREFIX: the shared config
 * and, with --no-huge, 6 MB of memory segment arrays) behind at exit. Test
 * binaries give every process a prefix of its own, so a directory a run left
 * is never used again: thousands of them filled 12 GB of a developer's disk.
 */

/** Remove this process's EAL runtime directory at exit (after rte_eal_init). */
void eal_rundir_remove_at_exit(void);

#endif
