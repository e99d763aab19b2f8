/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_SIM_H
#define TERN_SIM_H

/**
 * @file
 * drivers/sim: an in-process struct tern_netdev for tests. Its first form is
 * a recording device: a test injects crafted frames into a queue's receive
 * side and takes every frame the stack sent from its transmit side. Two sim
 * devices can be joined so that what one sends the other receives.
 * Single-threaded: the test drives everything (tern_worker_poll with a
 * virtual clock).
 */

#include <stdint.h>

#include <rte_ether.h>

#include "tern_netdev.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TERN_SIM_FIFO 4096  /**< frames each queue direction holds */

/**
 * Create a sim device with @p nb_queues queue pairs.
 * @return the device (close with dev->ops->close or give to a stack), or
 *         NULL with rte_errno set.
 */
struct tern_netdev *tern_sim_create(const char *name, const struct rte_ether_addr *mac,
		uint16_t mtu, uint16_t nb_queues);

/**
 * Put @p m on the receive side of @p queue, as if it came off the wire.
 * Consumes @p m. @return 0, or -ENOBUFS (m freed) if the queue is full.
 */
int tern_sim_inject(struct tern_netdev *dev, uint16_t queue, struct rte_mbuf *m);

/**
 * Take up to @p n frames the stack sent on @p queue, oldest first.
 * @return the number taken; they belong to the caller.
 */
uint16_t tern_sim_take_tx(struct tern_netdev *dev, uint16_t queue,
		struct rte_mbuf **pkts, uint16_t n);

/** Frames sent on @p queue and not yet taken. */
uint32_t tern_sim_tx_count(const struct tern_netdev *dev, uint16_t queue);

/**
 * Limit how many frames tx_burst accepts in total from now on on every queue
 * (-1: no limit), to exercise the stack's handling of a refusing driver.
 */
void tern_sim_set_tx_room(struct tern_netdev *dev, int32_t room);

/** Set the offload flags the device claims (TERN_NETDEV_*). */
void tern_sim_set_offloads(struct tern_netdev *dev, uint32_t offloads);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SIM_H */
