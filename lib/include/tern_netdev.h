/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_NETDEV_H
#define TERN_NETDEV_H

/**
 * @file
 * The driver SDK: how frames get into and out of a Tern stack. A driver fills a
 * struct tern_netdev (embedded first in its own private struct) and an ops
 * table. The stack calls configure() once with one mempool per queue, then
 * start(); each worker owns exactly one queue and calls rx_burst/tx_burst on it
 * from its own lcore only, so drivers need no locks per queue.
 */

#include <stdint.h>
#include <rte_ether.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;
struct tern_netdev;

/** Offload flags in tern_netdev.offloads. */
#define TERN_NETDEV_TX_IPV4_CKSUM (1u << 0) /**< NIC fills the IPv4 header checksum */
#define TERN_NETDEV_TX_TCP_CKSUM  (1u << 1) /**< NIC fills the TCP checksum */
#define TERN_NETDEV_RX_CKSUM      (1u << 2) /**< NIC flags received checksums good/bad */
/** The link is memory shared with a trusted peer ([port] trust_checksums): TCP
 * checksums are neither computed nor checked, as on Linux loopback. */
#define TERN_NETDEV_L4_TRUSTED    (1u << 3)
/** Frames handed to tx_burst may point into the stack's send buffers (mbufs
 * attached to them as external buffers): the driver copies or DMAs a frame and
 * frees it on the sending lcore, never passing the mbuf on. TCP then sends
 * payload by reference instead of copying it into each segment. */
#define TERN_NETDEV_TX_BY_REF     (1u << 4)
/** The driver sends frames chained over several mbufs (DPDK's MULTI_SEGS): with
 * TERN_NETDEV_TX_BY_REF, a segment can carry any run of one send buffer (its
 * headers in an mbuf of their own), data queued with tern_send_static() too. */
#define TERN_NETDEV_TX_MULTI_SEG  (1u << 5)
/** The device spreads received TCP/IPv4 frames over its queues by Tern's
 * owner function (RSS: Toeplitz with tern_rss_key over source and destination
 * address and port, redirection table entry i = i % queues, reta_size
 * entries) and gives each frame that hash (RTE_MBUF_F_RX_RSS_HASH): workers
 * take the owner from it instead of hashing in software. Without it, the
 * stack hashes each frame and passes those that arrived on another worker's
 * queue to their owner. */
#define TERN_NETDEV_RSS_OURS      (1u << 6)
/** TCP segmentation offload: the device cuts a TCP/IPv4 frame marked
 * RTE_MBUF_F_TX_TCP_SEG into segments of tso_segsz payload bytes each, with
 * DPDK's header lengths (l2_len, l3_len, l4_len) set, and fills every
 * segment's IPv4 and TCP checksums (and sequence number, IP ID, total
 * length; FIN and PSH only on the last). The stack hands it frames of up to
 * tso_segs_max segments, their payload chained from the send buffers. */
#define TERN_NETDEV_TX_TCP_TSO    (1u << 7)
/** With TERN_NETDEV_TX_TCP_TSO: the device cuts frames in software, on the
 * lcore that sends (net_tap, with DPDK's GSO library). [port] tso = auto
 * then leaves it off (docs/bench.md has the measurement). */
#define TERN_NETDEV_TX_TSO_SOFT   (1u << 8)

/** Length of tern_rss_key; a device that wants a longer key repeats it. */
#define TERN_RSS_KEY_LEN 40

/**
 * The Toeplitz key of Tern's flow owner function: 0x6d5a repeated (the same
 * hash both ways of a flow). A driver that programs RSS programs this key.
 */
extern const uint8_t tern_rss_key[TERN_RSS_KEY_LEN];

/** Link state as reported by link_get(). */
struct tern_link {
	uint32_t speed_mbps; /**< 0 if unknown */
	uint8_t up;          /**< 1 if the link is up */
	uint8_t full_duplex; /**< 1 if full duplex */
};

struct tern_netdev_ops {
	/**
	 * Set up @p nb_queues RX/TX queue pairs; RX queue i takes buffers from
	 * @p pools[i]. Called once, before start(). @return 0 or -errno.
	 */
	int (*configure)(struct tern_netdev *dev, uint16_t nb_queues,
			struct rte_mempool *const pools[]);
	/** Start the device. @return 0 or -errno. */
	int (*start)(struct tern_netdev *dev);
	/** Stop the device; queues stop delivering. */
	void (*stop)(struct tern_netdev *dev);
	/** Release the device and free @p dev itself. */
	void (*close)(struct tern_netdev *dev);
	/**
	 * Receive up to @p n frames from @p queue into @p pkts.
	 * @return the number received; each one now belongs to the caller.
	 */
	uint16_t (*rx_burst)(struct tern_netdev *dev, uint16_t queue,
			struct rte_mbuf **pkts, uint16_t n);
	/**
	 * Send up to @p n frames on @p queue. @return the number k the driver
	 * took: pkts[0..k-1] now belong to the driver, pkts[k..n-1] stay the
	 * caller's (to retry or free).
	 */
	uint16_t (*tx_burst)(struct tern_netdev *dev, uint16_t queue,
			struct rte_mbuf **pkts, uint16_t n);
	/** Read link state into @p link without waiting. @return 0 or -errno. */
	int (*link_get)(struct tern_netdev *dev, struct tern_link *link);
	/**
	 * Optional (NULL: the device receives every multicast frame): receive
	 * the frames sent to the @p n multicast MACs @p addrs too, besides
	 * ours and broadcast, in place of any list set before. Called once
	 * started. @return 0 or -errno (-ENOTSUP: the device has no filter).
	 */
	int (*mc_addrs_set)(struct tern_netdev *dev, const struct rte_ether_addr *addrs,
			uint32_t n);
};

/** One network device as the stack sees it. */
struct tern_netdev {
	const struct tern_netdev_ops *ops; /**< driver entry points */
	struct rte_ether_addr mac;         /**< our MAC on this link */
	uint16_t mtu;                      /**< IP MTU of the link, bytes */
	uint16_t max_queues;               /**< queue pairs the device can give */
	uint32_t offloads;                 /**< TERN_NETDEV_* flags in effect */
	/** Entries of the RSS redirection table the driver programmed
	 * (TERN_NETDEV_RSS_OURS; a power of two), else 0: the owner function
	 * then uses a table of its own size (net_flow.h). */
	uint16_t reta_size;
	/** Set by the stack before configure(): the queues RSS spreads flows
	 * over (one per worker; the redirection table is i % rss_queues). */
	uint16_t rss_queues;
	/** With TERN_NETDEV_TX_TCP_TSO: the most segments one frame may be
	 * cut into. */
	uint16_t tso_segs_max;
	/** With TERN_NETDEV_TX_TCP_TSO: the longest segment the device makes,
	 * Ethernet header included (net_tap holds it to its MTU, not to the
	 * MTU plus the Ethernet header: its segments carry 14 bytes less). */
	uint16_t tso_frame_max;
	/** With TERN_NETDEV_TX_TCP_TSO: the most mbufs a frame to be cut may
	 * be chained over (a NIC's descriptors per packet), 0 if no limit. */
	uint16_t tso_chain_max;
	/**
	 * Where tx_ref_end is not 0, the driver's peer reads frames in place,
	 * and only inside the memory [tx_ref_base, tx_ref_end): net_memif in
	 * zero-copy mode tells its peer where each frame lies as an offset into
	 * the memory the two share (its first segment list, as far as it was
	 * allocated when the port started; the driver sets it then).
	 * Frames by reference (TERN_NETDEV_TX_BY_REF) then only point into send
	 * buffers in that range, others are copied; the stack's mbuf pools must
	 * lie in it (checked once the port has started).
	 */
	uintptr_t tx_ref_base, tx_ref_end;
	char name[64];                     /**< device name for logs and stats */
};

#ifdef __cplusplus
}
#endif

#endif /* TERN_NETDEV_H */
