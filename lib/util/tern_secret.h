/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_SECRET_H
#define TERN_SECRET_H

/**
 * @file
 * Key material for Tern's keyed functions (initial sequence numbers, SYN
 * cookies, the hashes of tables whose keys a peer chooses).
 */

#include <stddef.h>

/**
 * Fill @p len bytes at @p buf with secret random bytes: getrandom(2), or
 * DPDK's rte_rand() where that fails. The simulator answers getrandom from
 * its seed, so a seed replays every secret.
 */
void tern_secret_fill(void *buf, size_t len);

#endif /* TERN_SECRET_H */
