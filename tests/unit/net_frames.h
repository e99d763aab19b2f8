/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NET_FRAMES_H
#define NET_FRAMES_H

/*
 * Frame builders and readers for the unit suites that drive a stack over the
 * sim netdev (tests/unit/test_net.c, test_arp.c, later TCP suites).
 *
 * Builders write wire bytes into a caller's buffer and return the length, so
 * a test can break any field afterwards (then nf_ipv4_recksum() if it wants
 * the header checksum right again). Checksums here are computed by nf_cksum(),
 * a plain byte-wise RFC 1071 sum written independently of lib/net/cksum.c, so
 * the stack's checksum code is checked against something other than itself.
 *
 * Readers copy a sent frame out of its mbuf into a struct nf_pkt (flat,
 * aligned) and point at its headers; nf_take() frees the mbufs it read, so a
 * test that reads frames this way has nothing left to free.
 *
 * The nf_stack_* harness runs a one-worker stack over a sim device with a
 * virtual clock, and its checks (counters, accounting, exact ARP and echo
 * reply frames) use libcheck: for unit suites only.
 */

#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_arp.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tern.h"

#define NF_ETH_LEN       14      /**< Ethernet header */
#define NF_ARP_LEN       28      /**< Ethernet/IPv4 ARP body */
#define NF_ARP_FRAME_LEN (NF_ETH_LEN + NF_ARP_LEN)
#define NF_FRAME_MAX     2048    /**< largest frame a builder or reader handles */

/** IPv4 address a.b.c.d in network byte order. */
#define NF_IP(a, b, c, d) RTE_BE32(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
		((uint32_t)(c) << 8) | (uint32_t)(d))

/** Locally administered MAC 02:00:00:00:00:xx, as an initializer and as a value. */
#define NF_MAC_INIT(x) { .addr_bytes = { 0x02, 0, 0, 0, 0, (x) } }
#define NF_MAC(x) ((struct rte_ether_addr)NF_MAC_INIT(x))

extern const struct rte_ether_addr nf_mac_bcast; /**< ff:ff:ff:ff:ff:ff */
extern const struct rte_ether_addr nf_mac_zero;  /**< 00:00:00:00:00:00 */

/* --- checksums, independent of lib/net --- */

/**
 * RFC 1071 checksum of @p len bytes, big-endian pairs, a trailing odd byte
 * padded with zero, starting from the host-order partial sum @p initial.
 * @return the complemented 16-bit checksum in host order (0 over a correct
 *         buffer that includes its checksum field).
 */
uint16_t nf_cksum(const void *buf, size_t len, uint32_t initial);

/** Host-order partial sum of the TCP/UDP pseudo-header (RFC 9293 §3.1). */
uint32_t nf_pseudo_sum(rte_be32_t src, rte_be32_t dst, uint8_t proto, uint16_t l4_len);
/** The same for IPv6 (RFC 8200 §8.1): 16-byte addresses, a 32-bit length. */
uint32_t nf_pseudo_sum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t l4_len);

/* --- builders: write at @p p, return bytes written --- */

/** Ethernet header. */
size_t nf_put_eth(uint8_t *p, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t ether_type);

/** Ethernet/IPv4 ARP body (htype 1, ptype 0x0800, hlen 6, plen 4). */
size_t nf_put_arp(uint8_t *p, uint16_t op, const struct rte_ether_addr *sha,
		rte_be32_t spa, const struct rte_ether_addr *tha, rte_be32_t tpa);

/**
 * IPv4 header with @p optlen bytes of options (a multiple of 4, at most 40),
 * DF clear, TTL 64, for @p payload_len bytes after it; checksum filled.
 */
size_t nf_put_ipv4(uint8_t *p, rte_be32_t src, rte_be32_t dst, uint8_t proto,
		uint16_t id, const uint8_t *opts, size_t optlen, uint16_t payload_len);

/** Recompute the header checksum of the IPv4 header at @p ip (after edits). */
void nf_ipv4_recksum(uint8_t *ip);

/** ICMP echo (request or reply by @p type) with @p len data bytes; checksum filled. */
size_t nf_put_icmp_echo(uint8_t *p, uint8_t type, uint16_t id, uint16_t seq,
		const uint8_t *data, size_t len);

/** A TCP/IPv4 frame (nf_tcp_frame); ports and numbers in host order. */
struct nf_tcp {
	struct rte_ether_addr eth_dst, eth_src;
	rte_be32_t src, dst;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;              /**< TCP flags (RFC 9293 §3.1) */
	uint16_t wnd;
	const uint8_t *opts;        /**< option bytes, a multiple of 4, at most 40 */
	size_t optlen;
	const void *payload;
	size_t len;
	const uint8_t *src6, *dst6; /**< IPv6 addresses (both set: an IPv6 frame, hop limit 64) */
	bool df;                    /**< IPv4: DF set, as Linux sends TCP */
};

/**
 * A whole Ethernet/IPv4/TCP frame as described by @p t, both checksums
 * filled (IP id: the low bits of the sequence number).
 * @return its length, or 0 if it would exceed NF_FRAME_MAX.
 */
size_t nf_tcp_frame(uint8_t *p, const struct nf_tcp *t);

/** Recompute the TCP checksum of a frame from nf_tcp_frame() after edits. */
void nf_tcp_recksum(uint8_t *frame, size_t len);

/** Fill @p p with a recognisable pattern that depends on @p seed. */
void nf_pattern(uint8_t *p, size_t len, uint8_t seed);

/** A whole ARP frame: Ethernet to @p eth_dst from @p sha, then the ARP body. */
size_t nf_arp_frame(uint8_t *p, const struct rte_ether_addr *eth_dst, uint16_t op,
		const struct rte_ether_addr *sha, rte_be32_t spa,
		const struct rte_ether_addr *tha, rte_be32_t tpa);

/** Parameters of an ICMP echo request frame (nf_echo_frame). */
struct nf_echo {
	struct rte_ether_addr eth_dst, eth_src;
	rte_be32_t src, dst;
	uint16_t id, seq;
	uint16_t data_len;          /**< data bytes, filled by nf_pattern(seed) */
	uint8_t seed;
	const uint8_t *opts;        /**< IP options, or NULL */
	size_t optlen;
};

/** A whole ICMP echo request frame as described by @p e. */
size_t nf_echo_frame(uint8_t *p, const struct nf_echo *e);

/** An ICMP error about a TCP segment (nf_icmp_error_frame): what it quotes. */
struct nf_icmp_error {
	struct rte_ether_addr eth_dst, eth_src;
	rte_be32_t src, dst;        /**< the error's own addresses */
	uint8_t type, code;
	uint16_t mtu;               /**< bytes 6-7 (fragmentation needed, RFC 1191) */
	rte_be32_t q_src, q_dst;    /**< the quoted datagram's addresses */
	uint8_t q_proto;
	uint16_t q_total_len;       /**< its IPv4 total length */
	uint16_t q_sport, q_dport;  /**< host order */
	uint32_t q_seq;
	uint8_t q_tcp_bytes;        /**< TCP header bytes quoted (8 normally, at most 20) */
};

/** A whole ICMP error frame as described by @p e; checksums filled. */
size_t nf_icmp_error_frame(uint8_t *p, const struct nf_icmp_error *e);

/* --- mbufs --- */

/** A one-segment mbuf from @p mp holding @p len bytes of @p frame, or NULL. */
struct rte_mbuf *nf_mbuf(struct rte_mempool *mp, const void *frame, size_t len);

/**
 * A chain of @p nsegs mbufs from @p mp holding @p frame, segment i holding
 * seg_len[i] bytes (their sum must be @p len), or NULL.
 */
struct rte_mbuf *nf_mbuf_chain(struct rte_mempool *mp, const void *frame, size_t len,
		const uint16_t *seg_len, unsigned int nsegs);

/** Copy @p frame into an mbuf from @p mp and inject it on queue 0. @return 0 or -errno. */
int nf_inject(struct tern_netdev *dev, struct rte_mempool *mp, const void *frame, size_t len);

/* --- readers --- */

/** One frame the stack sent, copied flat, with its headers located. */
struct nf_pkt {
	alignas(8) uint8_t b[NF_FRAME_MAX];
	uint32_t len;                   /**< frame bytes (pkt_len) */
	uint16_t nb_segs;               /**< segments the mbuf had */
	uint64_t ol_flags;              /**< the mbuf's offload flags */
	uint16_t l2_len, l3_len;        /**< the mbuf's header lengths */
	const struct rte_ether_hdr *eth;
	uint16_t ether_type;            /**< host order */
	const struct rte_arp_hdr *arp;  /**< ARP frames, else NULL */
	const struct rte_ipv4_hdr *ip;  /**< IPv4 frames, else NULL */
	uint32_t ip_hlen;               /**< IPv4 header bytes */
	const struct rte_ipv6_hdr *ip6; /**< IPv6 frames, else NULL (ip_hlen 40) */
	const uint8_t *l4;              /**< first byte past the IP header */
	uint32_t l4_len;                /**< total length - header (as the header says) */
};

/**
 * Check that @p p is an MLDv2 Report (RFC 3810 §5.2) to ff02::16, hop limit
 * 1, behind a Hop-by-Hop header with a Router Alert, its checksum right, from
 * :: (@p from NULL) or from @p from, whose @p n records are all of
 * @p record_type; @return the records (20 bytes each).
 */
const uint8_t *nf_expect_mld_report(const struct nf_pkt *p, const uint8_t *from,
		uint8_t record_type, unsigned int n);

/** Copy @p m into @p pkt and locate its headers (does not free @p m). */
void nf_parse(const struct rte_mbuf *m, struct nf_pkt *pkt);

/**
 * Take up to @p max frames sent on queue 0 of @p dev, parse them into
 * @p out[] and free the mbufs. @return the number taken.
 */
unsigned int nf_take(struct tern_netdev *dev, struct nf_pkt *out, unsigned int max);

/** Take and free every frame sent on queue 0. @return how many there were. */
unsigned int nf_drain(struct tern_netdev *dev);

/* --- a one-worker stack over a sim device, driven with a virtual clock --- */

#define NF_OUR_IP    NF_IP(10, 77, 0, 2)
#define NF_NETMASK   NF_IP(255, 255, 255, 0)
#define NF_GATEWAY   NF_IP(10, 77, 0, 1)
#define NF_BCAST_IP  NF_IP(10, 77, 0, 255)
#define NF_OUR_MAC   NF_MAC(0x02)
#define NF_T0        1000000000ull    /**< virtual time of the first poll, us */

struct nf_stack {
	struct tern_config cfg;         /**< the config used (nf_stack_config() fills it) */
	struct tern_netdev *dev;        /**< the sim device, owned by the stack */
	struct tern_stack *stack;
	struct tern_worker *w;          /**< worker 0 */
	uint64_t now;                   /**< virtual clock, us */
	unsigned int unit_free;         /**< unit_pool() count; the suite's setup sets it */
	uint32_t dev_offloads;          /**< TERN_NETDEV_* the device claims, or'ed with
	                                     nf_dev_offloads (nf_stack_up) */
};

/** Offloads every device of the run claims (a suite's second pass sets them). */
extern uint32_t nf_dev_offloads;

/**
 * Defaults plus 10.77.0.2/24, gateway 10.77.0.1, a small worker pool
 * (2048 mbufs, cache 32) and a device name; tests change what they need.
 */
void nf_stack_config(struct tern_config *cfg);

/**
 * Create a sim device (MAC NF_OUR_MAC, MTU 1500, one queue) and a one-worker
 * stack over it from @p h->cfg; the clock starts at NF_T0. Asserts success.
 * Does not poll: the first poll sends the gratuitous ARP.
 */
void nf_stack_up(struct nf_stack *h);

/** nf_stack_up(), then the first poll; asserts that exactly the
 * gratuitous ARP was sent and drops it. */
void nf_stack_boot(struct nf_stack *h);

/**
 * Teardown: drain the device, free the stack, then check the worker pool was
 * full, the accounting of every frame received (nf_check_accounting) and that
 * unit_pool() is back to @p h->unit_free. NULL stack: only the last check.
 */
void nf_stack_down(struct nf_stack *h);

/** Poll worker 0 at the current virtual time. @return frames received. */
unsigned int nf_poll(struct nf_stack *h);

/** Advance the clock by @p us and poll. */
unsigned int nf_poll_after(struct nf_stack *h, uint64_t us);

/** Copy @p frame into an mbuf of unit_pool() and inject it; asserts success. */
void nf_send(struct nf_stack *h, const void *frame, size_t len);

/**
 * Teach the stack @p ip = @p mac the way a neighbour would: an ARP request
 * for our address; poll, check the reply went out and drop it.
 */
void nf_learn(struct nf_stack *h, const struct rte_ether_addr *mac, rte_be32_t ip);

/**
 * Check that every frame received ended in exactly one counter:
 * rx_frames = Ethernet drops + ARP (handled or malformed) + ip_rx, and
 * ip_rx = IPv4 drops + icmp_rx + tcp_rx, and icmp_rx = ICMP drops + replies.
 */
void nf_check_accounting(const struct tern_stats *st);

/** The same sums without libcheck: @return false and the first broken one in @p why. */
bool nf_accounting_ok(const struct tern_stats *st, char *why, size_t len);

/**
 * Check @p got equals @p want counter by counter, naming the first that
 * differs; counters whose name starts with @p skip_prefix (NULL: none) are
 * not compared.
 */
void nf_check_stats(const struct tern_stats *want, const struct tern_stats *got,
		const char *skip_prefix);

/** Check @p p is an ARP frame with exactly these fields (Ethernet src is ours). */
void nf_check_arp(const struct nf_pkt *p, const struct rte_ether_addr *eth_dst,
		uint16_t op, const struct rte_ether_addr *sha, rte_be32_t spa,
		const struct rte_ether_addr *tha, rte_be32_t tpa);

/**
 * Check @p p is our echo reply to the request @p e: Ethernet to @p eth_dst
 * from us, a plain 20-byte IPv4 header from us to e->src with TTL 64 and a
 * correct checksum, ICMP type 0 code 0 with e's id, seq and data and a
 * correct checksum, and nothing after it.
 */
void nf_check_echo_reply(const struct nf_pkt *p, const struct rte_ether_addr *eth_dst,
		const struct nf_echo *e);

#endif /* NET_FRAMES_H */
