/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LG_BRIDGE_H
#define LG_BRIDGE_H

/*
 * tern-loadgen --bridge DEVICE: a second DPDK port whose received frames go
 * out of tern-loadgen's own port unchanged, onto the queue of worker 0, as if
 * both hung off one switch facing the target. It lets a third-party
 * generator (pktgen on a net_memif link) send its flood to a Tern server
 * that also serves tern-loadgen's legitimate connections: a net_memif link
 * has exactly two ends, and DPDK 22.11's bonding cannot take memif ports
 * (it must set their MAC addresses, which memif refuses).
 *
 * One way only: nothing from the target goes back out of the bridge (a
 * generator's spoofed sources get no answer anyway). Frames the target's
 * port does not take at once wait in a queue of 512 and go first the next
 * time, as in a switch port's queue; while that is full the bridge port is
 * not read, its ring fills and the generator's own sends fail (it counts
 * them). Frames still queued when the bridge closes count as dropped.
 */

#include <stdint.h>

#include "tern.h"

struct lg_bridge_stats {
	uint64_t rx;        /**< frames received on the bridge port */
	uint64_t tx;        /**< of those, sent out of tern-loadgen's port */
	uint64_t dropped;   /**< still queued when the bridge closed */
};

/**
 * Probe DPDK device @p devargs (e.g. "net_memif1,role=server,id=0,socket=S"),
 * give it one queue pair and its own mbuf pool, and start it.
 * @return 0, or a negative errno with a message on stderr.
 */
int lg_bridge_open(const char *devargs);

/** On worker 0's lcore: carry one burst from the bridge to @p dev's queue @p queue. */
void lg_bridge_poll(struct tern_netdev *dev, uint16_t queue);

/** The counts so far. */
void lg_bridge_stats(struct lg_bridge_stats *st);

/** Stop and close the bridge port (the workers have stopped). No-op if none. */
void lg_bridge_close(void);

#endif
