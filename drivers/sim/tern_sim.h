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

#include <stdbool.h>
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

/**
 * Set the offload flags the device claims (TERN_NETDEV_*). With
 * TERN_NETDEV_TX_TCP_TSO, tx_burst cuts a frame marked RTE_MBUF_F_TX_TCP_SEG
 * into segments of m->tso_segsz payload bytes (up to 64, each no longer than
 * the MTU), as a NIC would, checksums computed, and queues those instead.
 */
void tern_sim_set_offloads(struct tern_netdev *dev, uint32_t offloads);

/** Multicast MACs a sim device keeps (tern_netdev_ops.mc_addrs_set). */
#define TERN_SIM_MC_MAX 8

/**
 * Filter multicast as a NIC does (@p on), from now on: a multicast frame
 * arriving is received only if the stack listed its MAC
 * (tern_netdev_ops.mc_addrs_set); the others are dropped at the device and
 * counted (tern_sim_mc_dropped). Off, the default: every frame is received,
 * as net_memif and net_tap do.
 */
void tern_sim_set_mc_filter(struct tern_netdev *dev, bool on);

/** Multicast frames the filter dropped. */
uint64_t tern_sim_mc_dropped(const struct tern_netdev *dev);

/** The multicast MACs the stack listed, up to @p max into @p addrs. @return how many it listed. */
uint32_t tern_sim_mc_addrs(const struct tern_netdev *dev, struct rte_ether_addr *addrs,
		uint32_t max);

/** Frames tx_burst cut into segments (TSO), those no NIC could cut (@p errors:
 * too many segments, no segment size, no payload) and those it dropped for
 * want of mbufs for their segments (@p nombuf). */
void tern_sim_tso_stats(const struct tern_netdev *dev, uint64_t *frames, uint64_t *errors,
		uint64_t *nombuf);

/**
 * How a device spreads the frames a link or a tap delivers over its receive
 * queues (tern_sim_deliver). The test picks one, to put the stack's flow
 * ownership (net_flow.h) under each kind of NIC it meets.
 */
enum tern_sim_spread {
	/** Everything on queue 0: a PMD without RSS. */
	TERN_SIM_SPREAD_QUEUE0 = 0,
	/** RSS done Tern's way: Toeplitz with tern_rss_key over a TCP/IPv4
	 * frame's addresses and ports, a redirection table of
	 * TERN_SIM_RETA_SIZE entries (i % the stack's rss_queues), the hash
	 * reported in m->hash.rss with RTE_MBUF_F_RX_RSS_HASH; the device claims
	 * TERN_NETDEV_RSS_OURS, so no frame should need steering. Other
	 * frames on queue 0, unhashed. */
	TERN_SIM_SPREAD_RSS,
	/** Consistent per 4-tuple, by a hash that is not the owner function's
	 * (a NIC whose RSS we do not control: flows land off their owner, each
	 * always on the same queue). The hash is reported too, and the stack
	 * must not trust it. Other frames on queue 0. */
	TERN_SIM_SPREAD_FLOW,
	/** A seeded PRNG picks the queue of every frame, ARP included: the
	 * worst case, a flow's frames reordered across queues. */
	TERN_SIM_SPREAD_RANDOM,
	TERN_SIM_SPREAD_N
};

#define TERN_SIM_RETA_SIZE 64  /**< redirection table of TERN_SIM_SPREAD_RSS */

/**
 * Set how @p dev spreads delivered frames; @p seed seeds the PRNG of
 * TERN_SIM_SPREAD_RANDOM (the same seed and the same frames give the same
 * queues). Call it before the device is given to a stack: RSS sets the
 * device's TERN_NETDEV_RSS_OURS and reta_size, which the stack reads when it
 * starts. @return 0, or -EINVAL.
 */
int tern_sim_set_spread(struct tern_netdev *dev, enum tern_sim_spread mode, uint64_t seed);

/**
 * Put @p m on the receive queue the device's spread mode picks among the
 * queues the stack configured, as a NIC does with a frame off the wire.
 * Consumes @p m. @return 0, or -ENOBUFS (m freed) if that queue is full.
 */
int tern_sim_deliver(struct tern_netdev *dev, struct rte_mbuf *m);

/** Queue pairs of the device (tern_sim_create's @p nb_queues). */
uint16_t tern_sim_nb_queues(const struct tern_netdev *dev);

/**
 * A frame as a wire delivers it, in one buffer of its own: @p m itself when
 * it is one direct mbuf, else a copy and @p m freed (a chain, or a frame that
 * points into the sender's send buffers: those are the sender's again).
 * Consumes @p m.
 * @return the frame, or NULL (no mbuf) with @p m freed.
 */
struct rte_mbuf *tern_sim_flatten(struct rte_mbuf *m);

/* ------------------------------------------------------------------------ */
/* Links: two sim devices joined by a wire with seeded faults               */
/* ------------------------------------------------------------------------ */

/** Faults and shape of one direction of a link. All zero: a perfect wire. */
struct tern_sim_fault {
	double drop;             /**< probability a frame is lost */
	uint32_t drop_burst;     /**< a loss takes this many frames in a row (0 = 1) */
	double dup;              /**< probability a frame is delivered twice */
	double reorder;          /**< probability a frame is held back by up to reorder_us */
	uint32_t reorder_us;     /**< extra delay of a reordered frame (uniform 1..reorder_us) */
	uint32_t delay_us;       /**< fixed one-way delay */
	uint32_t jitter_us;      /**< uniform 0..jitter_us added to each frame, order kept */
	uint64_t rate_bps;       /**< serialization rate; 0 = unlimited */
	uint32_t queue_frames;   /**< with rate_bps: frames queued before tail drop (0 = 64) */
	double corrupt;          /**< probability one bit of the frame is flipped */
};

/** What a link did, per direction. */
struct tern_sim_link_stats {
	uint64_t sent;           /**< frames taken from the sender */
	uint64_t delivered;      /**< frames put on the receiver (duplicates included) */
	uint64_t dropped;        /**< lost by the drop fault */
	uint64_t queue_drops;    /**< tail-dropped by the rate limit */
	uint64_t duplicated, reordered, corrupted;
	uint64_t rx_full;        /**< receiver's queue full: freed */
};

struct tern_sim_link;

/**
 * Join @p a and @p b: frames one sends on any queue (taken queue by queue, in
 * order) reach the other's receive side through the faults of that
 * direction, decided by a PRNG seeded with @p seed, so the same seed and the
 * same traffic give the same run; the receiver's spread mode picks the queue
 * (tern_sim_deliver).
 * @return the link, or NULL with rte_errno set.
 */
struct tern_sim_link *tern_sim_link_create(struct tern_netdev *a, struct tern_netdev *b,
		uint64_t seed);

/** Set the faults of direction @p dir (0: a to b, 1: b to a). */
void tern_sim_link_set_faults(struct tern_sim_link *l, int dir, const struct tern_sim_fault *f);

/**
 * Take what both sides sent and deliver every frame due by @p now_us.
 * @return frames moved (taken or delivered); 0 means the link was idle.
 */
unsigned int tern_sim_link_step(struct tern_sim_link *l, uint64_t now_us);

/** Time of the next delivery, or UINT64_MAX if nothing is in flight. */
uint64_t tern_sim_link_next_event(const struct tern_sim_link *l);

/** Counters of direction @p dir. */
const struct tern_sim_link_stats *tern_sim_link_stats(const struct tern_sim_link *l, int dir);

/**
 * Record every frame the link carries (as sent, with its send time) into a
 * pcap file at @p path; NULL stops recording. @return 0 or -errno.
 */
int tern_sim_link_pcap(struct tern_sim_link *l, const char *path);

/** Free the link and every frame in flight (the devices stay). */
void tern_sim_link_free(struct tern_sim_link *l);

#ifdef __cplusplus
}
#endif

#endif /* TERN_SIM_H */
