/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_NET_PRIV_H
#define TERN_NET_PRIV_H

/*
 * lib/net: Ethernet, ARP, IPv4, ICMP and checksums for one worker.
 *
 * Each worker owns one struct net_if: its view of the link (addresses, MAC,
 * ARP cache, transmit batch, counters). Nothing in it is written by another
 * worker; the cross-worker traffic is ARP and ND learning, sent as messages
 * to the other workers' inboxes (net_nbr_msg), and TCP frames that arrived on a
 * queue other than their owner's (lib/core passes them on, net_flow.h).
 *
 * Input: net_input_burst() validates and demuxes a received burst; it answers
 * ARP and ICMP itself and hands TCP segments back to the caller (lib/core),
 * which passes them up to lib/tcp. Output: net_ipv4_output() finishes an IPv4
 * packet, resolves the next hop and queues the frame; net_tx_flush() hands the
 * batch to the driver once per worker iteration.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_log.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net_flow.h"
#include "net_ip6.h"
#include "tern_netdev.h"
#include "tern_stats.h"

/* The network layer's log lines; never written by a worker (core's monitor
 * thread writes the operator's events, lib/core/monitor.c) */
extern int tern_logtype_net;
#define NET_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, tern_logtype_net, "tern.net: " fmt "\n", ##__VA_ARGS__)

#define NET_TX_BATCH_MAX 128    /**< frames held for one tx_burst */
#define NET_BURST_MAX    64     /**< most frames one rx burst may carry */
#define NET_IPV4_MIN_HLEN 20    /**< IHL 5 */

struct arp_cache;
struct nd_cache;
struct rte_ring;

/** Frames waiting for the driver; flushed once per worker iteration. */
struct net_tx_batch {
	uint16_t n;                          /**< frames held */
	uint32_t bytes;                      /**< their bytes (read before the driver frees them) */
	uint16_t counted;                    /**< of them, at the front, counted in tx_retried */
	uint64_t full_since_us;              /**< when a flush first left it full; 0: not full */
	struct rte_mbuf *m[NET_TX_BATCH_MAX]; /**< oldest first */
};

/** Message that shares a neighbor's MAC with the other workers (ARP or ND). */
struct net_nbr_msg {
	uint32_t type;                 /**< NET_MSG_ARP, NET_MSG_ND */
	struct rte_ether_addr mac;     /**< its hardware address */
	uint16_t pad;
	union {
		rte_be32_t ip;             /**< NET_MSG_ARP: its IPv4 address */
		uint8_t ip6[NET_IP6_LEN];  /**< NET_MSG_ND: its IPv6 address */
	};
};
#define NET_MSG_ARP 1
#define NET_MSG_ND  2

struct net_if;
/** Send @p msg to every other worker's inbox (a full one counted in inbox_drop). */
void net_nbr_share(struct net_if *ifp, const struct net_nbr_msg *msg);

/** Our IPv6 addresses (RFC 4862 §5.4: tentative until DAD passes). */
enum net_ip6_which { NET_IP6_GLOBAL = 0, NET_IP6_LINK_LOCAL = 1, NET_IP6_N = 2 };
enum net_ip6_state {
	NET_IP6_ABSENT = 0,            /**< not configured */
	NET_IP6_TENTATIVE,             /**< DAD running: not used, not answered for */
	NET_IP6_PREFERRED,             /**< in use */
	NET_IP6_DUPLICATE,             /**< another node has it: never used */
};

/**
 * Our IPv6 addresses' state, one for a stack, shared by its workers: a
 * duplicate found on any queue, or DAD's end, holds for all at once, and a
 * worker polled before worker 0 has probed keeps them tentative. Changed by
 * compare-and-swap (TENTATIVE to PREFERRED or DUPLICATE, never back); off
 * the IPv4 path, read only by IPv6 input.
 */
struct net_ip6_shared {
	uint8_t state[NET_IP6_N];      /**< enum net_ip6_state */
	bool probes_due;               /**< worker 0's DAD probes are still to go out */
	uint64_t dad_end_us;           /**< tentative ones become preferred then; 0: not begun */
	uint64_t mld_due_us;           /**< worker 0 sends an MLD report then; 0: none (mld.c) */
	uint8_t mld_changes_left;      /**< State Change Reports still to send (worker 0's) */
};

/** Set @p sh up for a stack: each configured address tentative. */
void net_ip6_shared_init(struct net_ip6_shared *sh, bool global, bool link_local);

/** All-nodes and a solicited-node group for each of our two addresses. */
#define NET_IP6_GROUPS_MAX 3

/**
 * The multicast groups @p ifp listens to (RFC 4291 2.8: all-nodes, the
 * solicited-node group of each of our addresses) into @p groups, each
 * once, all-nodes first. @return how many.
 */
unsigned int net_ip6_groups(const struct net_if *ifp,
		uint8_t groups[NET_IP6_GROUPS_MAX][NET_IP6_LEN]);

/**
 * The Ethernet addresses of those groups (RFC 2464 §7), each once, into
 * @p macs: what the device must receive besides our MAC. @return how many.
 */
unsigned int net_ip6_group_macs(const struct net_if *ifp,
		struct rte_ether_addr macs[NET_IP6_GROUPS_MAX]);

/** One worker's view of the link. */
struct net_if {
	/* hot: every packet */
	struct rte_ether_addr mac;     /**< our MAC */
	uint16_t mtu;                  /**< IP MTU */
	rte_be32_t addr;               /**< our (first) address */
	uint32_t addr_count;           /**< we own addr .. addr + addr_count - 1 */
	rte_be32_t netmask;            /**< directly attached subnet */
	rte_be32_t bcast;              /**< subnet broadcast address */
	rte_be32_t gateway;            /**< default gateway, 0 = none */
	uint8_t ttl;                   /**< TTL of packets we originate */
	uint32_t offloads;             /**< TERN_NETDEV_* in effect */
	bool gro;                      /**< coalesce received segments (gro.c) */
	uint16_t ip_id;                /**< next IPv4 identification */
	uint64_t now_us;               /**< worker clock, set once per iteration */
	struct tern_stats *stats;      /**< this worker's counters */
	struct rte_mempool *pool;      /**< this worker's mbufs */
	struct tern_netdev *dev;       /**< the device we send on */
	uint16_t queue;                /**< our queue on @dev */
	struct net_tx_batch tx;        /**< frames waiting for the driver */
	/* ARP */
	struct arp_cache *arp;         /**< next-hop cache, this worker's */
	struct rte_ring **peer_inbox;  /**< every worker's inbox (ours included) */
	uint16_t n_workers;            /**< entries in peer_inbox */
	uint16_t self;                 /**< our index in peer_inbox */
	/** Flow ownership, shared read-only by all workers (net_flow.h): which
	 * worker owns a 4-tuple. Set once the device is configured. */
	const struct net_flow_map *flow;
	/* IPv6 (ipv6.c, icmp6.c): off unless the config has [ipv6] */
	bool ip6_on;
	uint8_t ip6_hop_limit;         /**< of packets we originate */
	uint8_t ip6_prefix_len;        /**< of ip6_addr's on-link prefix */
	uint8_t ip6_addr[NET_IP6_LEN]; /**< global address; zero = none */
	uint8_t ip6_ll[NET_IP6_LEN];   /**< link-local address; zero = none */
	struct net_ip6_shared *ip6sh;  /**< the stack's state of those addresses */
	uint8_t ip6_gw[NET_IP6_LEN];   /**< default router; zero = none */
	struct nd_cache *nd;           /**< neighbor cache (RFC 4861), this worker's */
	uint32_t icmp6_tokens;         /**< errors we may send now (RFC 4443 §2.4 (f)) */
	uint64_t icmp6_tokens_us;      /**< when they were last refilled */
};

/** Settings of one net_if, from the stack config. */
struct net_if_params {
	rte_be32_t addr, netmask, gateway;
	uint32_t addr_count;
	uint8_t ttl;
	uint32_t arp_entries, arp_timeout_s, arp_pending, arp_retries;
	bool ip6_on;
	uint8_t ip6_hop_limit, ip6_prefix_len;
	const uint8_t *ip6_addr, *ip6_gw; /**< 16 bytes each; zero = none */
	bool ip6_link_local;           /**< derive fe80:: from the MAC */
	struct net_ip6_shared *ip6_shared; /**< the stack's (net_ip6_shared_init) */
	bool gro;                      /**< coalesce received segments (gro.c) */
};

/** The state of our address @p which (enum net_ip6_which). */
static inline uint8_t
net_ip6_state_of(const struct net_if *ifp, int which)
{
	return __atomic_load_n(&ifp->ip6sh->state[which], __ATOMIC_ACQUIRE);
}

/** True if @p a (network order) is one of our addresses. */
static inline bool
net_if_owns(const struct net_if *ifp, rte_be32_t a)
{
	return rte_be_to_cpu_32(a) - rte_be_to_cpu_32(ifp->addr) < ifp->addr_count;
}

/* --- net_if.c --- */
/** Set up @p ifp; @return 0 or -ENOMEM. */
int net_if_init(struct net_if *ifp, const struct net_if_params *p,
		struct tern_netdev *dev, uint16_t queue, struct rte_mempool *pool,
		struct tern_stats *stats, int socket_id);
/** Free what net_if_init() allocated and every frame still held. */
void net_if_fini(struct net_if *ifp);

/* --- ipv6.c --- */
/**
 * Validate the IPv6 packet at the data offset of @p m (Ethernet stripped),
 * walking its extension headers (RFC 8200 §4). On success the padding past
 * the payload length is trimmed, l3_len is the offset of the upper-layer
 * header and its protocol number is returned: TCP or ICMPv6. Otherwise the
 * reason is counted, @p m answered with a Parameter Problem where RFC 8200
 * asks for one (an unknown next header, an option type 10 or 11) or freed,
 * and -1 returned.
 */
int net_ipv6_input(struct net_if *ifp, struct rte_mbuf *m);

/** @p a is one of our unicast addresses (global or link-local) in use (DAD passed). */
bool net_ipv6_is_ours(const struct net_if *ifp, const uint8_t *a);

/** Which of our configured addresses @p a is, whatever its state; -1: neither. */
int net_ipv6_which(const struct net_if *ifp, const uint8_t *a);

/**
 * Fill a 40-byte IPv6 header at @p ip for @p payload_len bytes of @p proto
 * from @p src to @p dst, hop limit @p hop_limit.
 */
void net_ipv6_hdr_fill(struct rte_ipv6_hdr *ip, const uint8_t *src, const uint8_t *dst,
		uint8_t proto, uint16_t payload_len, uint8_t hop_limit);

/** The neighbor to send to for @p dst (itself on the link, else the
 * gateway); NULL: no route. */
const uint8_t *net_ipv6_next_hop(const struct net_if *ifp, const uint8_t *dst);

/** Our address in use to talk to @p peer from: link-local to link-local,
 * else global; NULL while that one is not in use (DAD, or none). */
const uint8_t *net_ipv6_src_for(const struct net_if *ifp, const uint8_t *peer);

/**
 * Send the IPv6 packet that starts at the data offset of @p m, its header
 * filled by net_ipv6_hdr_fill(): to its destination on the link (our prefix,
 * or link-local), else to the gateway, resolved through Neighbor Discovery.
 * Consumes @p m on every path.
 */
void net_ipv6_output(struct net_if *ifp, struct rte_mbuf *m);

/** TCP over IPv6 handed up by net_input_burst() (data offset at the IPv6
 * header, l3_len the upper-layer header's offset). */
#define NET_PTYPE_TCP6 (RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_TCP)

static inline bool
net_is_tcp6(const struct rte_mbuf *m)
{
	return unlikely(m->packet_type == NET_PTYPE_TCP6);
}

/** The RFC 8200 §8.1 pseudo-header sum (not folded) for @p len bytes of @p proto. */
uint32_t net_ipv6_pseudo_sum(const uint8_t *src, const uint8_t *dst, uint8_t proto,
		uint32_t len);

/* --- icmp6.c --- */
/**
 * ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861) for IPv6 packet @p m.
 * @return true if @p m is an error about one of our TCP segments (marked
 * NET_PTYPE_ICMP6_ERROR, for TCP: the data offset at the IPv6 header, l3_len
 * at the ICMPv6 header, the quoted IPv6 header and at least 8 bytes of its
 * TCP header behind the 8 of the error's); false if it was consumed here.
 */
bool net_icmp6_input(struct net_if *ifp, struct rte_mbuf *m);

#define NET_ICMP6_ERR_HDR_LEN     8     /**< type, code, checksum, MTU/pointer/unused */
#define NET_ICMP6_QUOTED_TCP_MIN  8     /**< ports and sequence number */
#define NET_ICMP6_DEST_UNREACH    1     /**< RFC 4443 error types */
#define NET_ICMP6_PACKET_TOO_BIG  2
#define NET_ICMP6_TIME_EXCEEDED   3
#define NET_ICMP6_PARAM_PROBLEM   4
#define NET_PTYPE_ICMP6_ERROR (RTE_PTYPE_L3_IPV6 | RTE_PTYPE_L4_ICMP)

/**
 * Answer the IPv6 packet @p m (data offset at its header) with ICMPv6 error
 * @p type / @p code and @p word (pointer, MTU) in bytes 4-7, quoting as much
 * of it as fits in 1280 bytes (RFC 4443 §2.4 (c)); within the rate limit
 * (§2.4 (f)), never to :: or a group source, and to a packet sent to a
 * group only with @p to_group_ok (§2.4 (e.3)). Consumes @p m.
 */
void net_icmp6_error(struct net_if *ifp, struct rte_mbuf *m, uint8_t type, uint8_t code,
		uint32_t word, bool to_group_ok);
#define NET_ICMP6_ERR_BURST 10          /**< errors a worker may send at once (§2.4 (f)) */

/** The quoted IPv6 header of ICMPv6 error @p m (NET_PTYPE_ICMP6_ERROR). */
static inline const struct rte_ipv6_hdr *
net_icmp6_quoted_ip(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
			m->l3_len + NET_ICMP6_ERR_HDR_LEN);
}

/** The first 8 bytes of the quoted TCP header of ICMPv6 error @p m. */
static inline const struct rte_tcp_hdr *
net_icmp6_quoted_tcp(const struct rte_mbuf *m)
{
	return (const struct rte_tcp_hdr *)(net_icmp6_quoted_ip(m) + 1);
}

/** @p m is an ICMP error for TCP over IPv6, not IPv4 (net_is_icmp_error). */
static inline bool
net_icmp_error_is_ip6(const struct rte_mbuf *m)
{
	return RTE_ETH_IS_IPV6_HDR(m->packet_type);
}

/** A neighbor cache of @p entries for @p ifp; @return 0 or -ENOMEM. */
int net_nd_create(struct net_if *ifp, uint32_t entries, uint32_t timeout_s);
void net_nd_free(struct net_if *ifp);

/** Apply a neighbor another worker learned (NET_MSG_ND). */
void net_nd_learn(struct net_if *ifp, const struct net_nbr_msg *msg);

/** The link-layer address of neighbor @p a, if known and fresh. */
bool net_nd_lookup(struct net_if *ifp, const uint8_t *a, struct rte_ether_addr *mac);

/**
 * Send IPv6 packet @p m to neighbor @p next_hop: now if its MAC is known,
 * else after address resolution (RFC 4861 §7.2.2), the newest packet
 * waiting. Consumes @p m.
 */
void net_nd_output(struct net_if *ifp, struct rte_mbuf *m, const uint8_t *next_hop);

/**
 * Begin Duplicate Address Detection (RFC 4862 §5.4) of our addresses: the
 * worker that speaks for the stack (worker 0) probes for each; they stay
 * tentative, on every worker, until one RetransTimer after the probes left.
 */
void net_nd_start_dad(struct net_if *ifp);

/** The ARP sweep's turn: probes owed sent again; tentative addresses whose
 * DAD ran its time become preferred. */
void net_nd_timer(struct net_if *ifp);

/* --- mld.c --- */

/** Join our groups (RFC 3810 §6.1): worker 0's first State Change Report
 * now, the rest in turn from net_mld_timer. */
void net_mld_start(struct net_if *ifp);

/** Worker 0: send the MLD report that fell due, if any. */
void net_mld_timer(struct net_if *ifp);

/** An MLD Query (@p msg, @p len bytes, in @p ip): schedule our answer (§6.2). */
void net_mld_query_input(struct net_if *ifp, const struct rte_ipv6_hdr *ip, const uint8_t *msg,
		uint32_t len);

/* --- eth.c --- */
/**
 * Validate and demux @p n received frames. ARP and ICMP are answered here;
 * bad frames are freed and counted. TCP segments are written to @p tcp with
 * the data offset at the IPv4 header and l2_len/l3_len set; the caller owns them.
 * @return the number of TCP segments in @p tcp.
 */
uint16_t net_input_burst(struct net_if *ifp, struct rte_mbuf **pkts, uint16_t n,
		struct rte_mbuf **tcp);

/**
 * Coalesce the TCP/IPv4 segments in @p tcp (as net_input_burst() hands them
 * up) that rte_gro may merge (gro.c), in place, keeping their order.
 * @return the segments left.
 */
uint16_t net_gro_burst(struct net_if *ifp, struct rte_mbuf **tcp, uint16_t n);

/**
 * Prepend an Ethernet header for @p dst_mac and queue the frame. Consumes @p m.
 */
void net_eth_output(struct net_if *ifp, struct rte_mbuf *m,
		const struct rte_ether_addr *dst_mac, uint16_t ether_type);

/** Queue a complete frame for the driver. Consumes @p m. */
void net_tx(struct net_if *ifp, struct rte_mbuf *m);

/** Hand the batch to the driver; what it refuses stays for the next flush. */
void net_tx_flush(struct net_if *ifp);

/** Longest a full transmit batch holds output back (net_tx_blocked). */
#define NET_TX_WAIT_MAX_US 50000

bool net_tx_blocked_slow(struct net_if *ifp);

/**
 * Whether output that can wait (TCP's) should: the transmit batch is full
 * even after a flush (the driver has refused NET_TX_BATCH_MAX frames), so a
 * frame built now would be dropped. A driver that has refused everything for
 * NET_TX_WAIT_MAX_US is taken as stuck, like a link that is down: output
 * goes on, dropped and counted, so TCP's timers end what cannot be sent.
 */
static inline bool
net_tx_blocked(struct net_if *ifp)
{
	if (likely(ifp->tx.n < NET_TX_BATCH_MAX))
		return false;
	return net_tx_blocked_slow(ifp);
}

/**
 * Hand @p n complete frames to the driver now, beside the batch: counted in
 * tx_frames/tx_bytes, what it refuses freed and counted in tx_drop_full, so
 * they never hold the batch the stack's own frames wait in. Consumes them.
 * @return frames the driver took.
 */
uint16_t net_tx_now(struct net_if *ifp, struct rte_mbuf **m, uint16_t n);

/* --- ipv4.c --- */
/**
 * Validate the IPv4 packet at the data offset of @p m (Ethernet stripped).
 * On success the padding past total length is trimmed, l3_len is set and the
 * protocol number is returned; otherwise @p m is freed, the reason counted,
 * and -1 returned.
 */
int net_ipv4_input(struct net_if *ifp, struct rte_mbuf *m);

/**
 * Fill a 20-byte IPv4 header at @p ip for a packet of @p l4_len payload bytes
 * from @p src (one of our addresses) to @p dst, its checksum included (zero
 * where the NIC computes it). Every header net_ipv4_output() sends is filled
 * here.
 */
void net_ipv4_hdr_fill(struct net_if *ifp, struct rte_ipv4_hdr *ip, rte_be32_t src,
		rte_be32_t dst, uint8_t proto, uint16_t l4_len);

/**
 * Clear DF in a header net_ipv4_hdr_fill() filled, its checksum kept right:
 * for a path whose MTU is below what a transport sends (tcp_icmp.c), so
 * routers may fragment.
 */
void net_ipv4_clear_df(const struct net_if *ifp, struct rte_ipv4_hdr *ip);

/**
 * Send the IPv4 packet that starts at the data offset of @p m, its header
 * filled by net_ipv4_hdr_fill(): ask the NIC for the header checksum where it
 * computes it, find the next hop, resolve it through ARP and queue the frame.
 * Consumes @p m on every path.
 */
void net_ipv4_output(struct net_if *ifp, struct rte_mbuf *m);

/** Next hop for @p dst: itself on the subnet, else the gateway; 0 = no route. */
rte_be32_t net_ipv4_next_hop(const struct net_if *ifp, rte_be32_t dst);

/* --- icmp.c --- */
/**
 * An ICMP error (RFC 792: destination unreachable, time exceeded, parameter
 * problem) about a TCP segment we sent, passed up with the TCP segments:
 * packet_type says which, the data offset stays at the IPv4 header and
 * l3_len is its length; the ICMP header follows, then the quoted IPv4
 * header (checked: version 4, IHL, protocol TCP, source one of ours) and at
 * least the first 8 bytes of the quoted TCP header (ports, sequence number).
 */
/* ICMP error types and codes (RFC 792, RFC 1191, RFC 1122 3.2.2.1) */
#define NET_ICMP_DEST_UNREACH      3
#define NET_ICMP_TIME_EXCEEDED     11
#define NET_ICMP_PARAM_PROBLEM     12
#define NET_ICMP_NET_UNREACH       0   /**< codes of DEST_UNREACH */
#define NET_ICMP_HOST_UNREACH      1
#define NET_ICMP_PROTO_UNREACH     2
#define NET_ICMP_PORT_UNREACH      3
#define NET_ICMP_FRAG_NEEDED       4   /**< with the next-hop MTU (RFC 1191 4) */

#define NET_PTYPE_ICMP_ERROR (RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_ICMP)

static inline bool
net_is_icmp_error(const struct rte_mbuf *m)
{
	return unlikely((m->packet_type & RTE_PTYPE_L4_MASK) == RTE_PTYPE_L4_ICMP);
}

/** The quoted IPv4 header of ICMP error @p m (net_is_icmp_error). */
static inline const struct rte_ipv4_hdr *
net_icmp_quoted_ip(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l3_len + 8);
}

/** The first 8 bytes of the quoted TCP header of ICMP error @p m: ports, SEQ. */
static inline const struct rte_tcp_hdr *
net_icmp_quoted_tcp(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *q = net_icmp_quoted_ip(m);

	return (const struct rte_tcp_hdr *)((const uint8_t *)q + rte_ipv4_hdr_len(q));
}

/**
 * Handle the ICMP message at the data offset of @p m (IP header first):
 * answer an echo request, pass an error about one of our TCP segments up.
 * @return true if @p m is such an error (marked NET_PTYPE_ICMP_ERROR, for
 *         TCP); false if it was consumed here.
 */
bool net_icmp_input(struct net_if *ifp, struct rte_mbuf *m);

/* --- arp.c --- */
/** Bytes of DPDK memory an ARP cache of @p entries takes. */
size_t net_arp_cache_bytes(uint32_t entries);
struct arp_cache *net_arp_create(uint32_t entries, uint32_t pending,
		uint32_t retries, uint32_t timeout_s, int socket_id);
/** Free the cache and every packet still waiting in it (counted). */
void net_arp_free(struct net_if *ifp);
/** Handle a received ARP packet (data offset at the ARP header). Consumes @p m. */
void net_arp_input(struct net_if *ifp, struct rte_mbuf *m);
/**
 * Send @p m (data offset at the IPv4 header) to @p next_hop: now if its MAC is
 * known, else after resolution. Consumes @p m.
 */
void net_arp_output(struct net_if *ifp, struct rte_mbuf *m, rte_be32_t next_hop);
/** Announce our address (gratuitous ARP request, RFC 5227 §3). */
void net_arp_announce(struct net_if *ifp);
/** Retransmit requests, give up on dead next hops, expire old entries. */
void net_arp_timer(struct net_if *ifp);
/** Apply a binding learned by another worker. */
void net_arp_learn(struct net_if *ifp, const struct net_nbr_msg *msg);
/** Look up @p ip; @return true and its MAC in @p mac if resolved. */
bool net_arp_lookup(struct net_if *ifp, rte_be32_t ip, struct rte_ether_addr *mac);
/** Number of entries in use (any state). */
uint32_t net_arp_count(const struct net_if *ifp);

/* --- cksum.c --- */
/** RFC 1071 ones'-complement sum of @p len bytes, folded, not inverted. */
uint16_t net_cksum_raw(const void *buf, size_t len, uint32_t initial);
/** True if the IPv4 header of @p ip sums to 0xffff (checksum correct). */
bool net_cksum_ipv4_hdr_ok(const struct rte_ipv4_hdr *ip);
/**
 * Checksum of the @p len bytes of @p m starting at @p off, across segments.
 * @return the folded sum, not inverted.
 */
uint16_t net_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len,
		uint32_t initial);
/**
 * TCP/UDP pseudo-header sum (RFC 9293 §3.1) for @p l4_len bytes, unfolded: its
 * six 16-bit words as they lie in memory, as __rte_raw_cksum would add them
 * (every segment sent and received needs it: no loop, no call).
 */
static inline uint32_t
net_cksum_pseudo(rte_be32_t src, rte_be32_t dst, uint8_t proto, uint16_t l4_len)
{
	const uint16_t zero_proto = rte_cpu_to_be_16(proto);   /* bytes 0, proto */

	return (src & 0xffff) + (src >> 16) + (dst & 0xffff) + (dst >> 16) +
		zero_proto + rte_cpu_to_be_16(l4_len);
}

/**
 * Whether the TCP checksum of @p m (data offset at the IP header, l3_len
 * set; @p l4_len bytes of TCP) is good: trusted on a shared-memory link
 * (TERN_NETDEV_L4_TRUSTED), as the NIC flagged it, else summed over the
 * segment with pseudo-header sum @p ph (not read where nothing is summed).
 */
static __rte_always_inline bool
net_l4_cksum_ok(const struct net_if *ifp, const struct rte_mbuf *m, uint32_t l4_len,
		uint32_t ph)
{
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if ((ifp->offloads & TERN_NETDEV_L4_TRUSTED) || ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	return ck != RTE_MBUF_F_RX_L4_CKSUM_BAD &&
		net_cksum_mbuf(m, m->l3_len, l4_len, ph) == 0xffff;
}

#endif /* TERN_NET_PRIV_H */
