/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_NET_FLOW_H
#define TERN_NET_FLOW_H

/*
 * Flow ownership: which worker owns a TCP/IPv4 4-tuple. One function for
 * every place that needs it: a NIC with RSS hashes with the same Toeplitz key
 * (tern_rss_key) and the same redirection table (entry i = i % workers), the
 * receive path checks each frame against it and passes a frame that arrived
 * on another worker's queue to its owner, and an active open picks a local
 * port whose replies hash to the opening worker.
 *
 * The hash is the Toeplitz hash of the received frame's source address,
 * destination address, source port and destination port (Microsoft's RSS
 * input for TCP/IPv4), as rte_softrss() computes it. The hash is linear in its
 * input bits, so it is the XOR of one precomputed word per input byte: twelve
 * table reads per frame, each table entry taken from rte_softrss_be().
 */

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

#define NET_FLOW_INPUT_LEN 12      /**< saddr, daddr, sport, dport (bytes) */
#define NET_FLOW_KEY_USED  16      /**< key bytes a 12-byte input's hash reads */
#define NET_FLOW_RETA_DEFAULT 128  /**< redirection table size without a NIC's */

/** The owner function's state: read-only once built, shared by all workers. */
struct net_flow_map {
	uint32_t byte_hash[NET_FLOW_INPUT_LEN][256]; /**< hash of one input byte at each place */
	uint32_t reta_mask;            /**< redirection table size - 1 (a power of two) */
	uint16_t nb_workers;
};

/**
 * Build @p fm for the Toeplitz key @p key (at least 16 bytes: the hash of a
 * 12-byte input reads no further; the stack passes tern_rss_key), @p
 * nb_workers workers and a redirection table of @p reta_size entries (a
 * power of two; 0: NET_FLOW_RETA_DEFAULT).
 * @return 0, or -EINVAL (@p reta_size not a power of two, no workers).
 */
int net_flow_map_init(struct net_flow_map *fm, const uint8_t key[NET_FLOW_KEY_USED], uint16_t nb_workers,
		uint32_t reta_size);

/**
 * The Toeplitz hash of a frame from @p saddr:@p sport to @p daddr:@p dport
 * (all in network byte order, as on the wire).
 */
static inline uint32_t
net_flow_hash(const struct net_flow_map *fm, rte_be32_t saddr, rte_be32_t daddr,
		rte_be16_t sport, rte_be16_t dport)
{
	const uint8_t *s = (const uint8_t *)&saddr, *d = (const uint8_t *)&daddr;
	const uint8_t *sp = (const uint8_t *)&sport, *dp = (const uint8_t *)&dport;

	return fm->byte_hash[0][s[0]] ^ fm->byte_hash[1][s[1]] ^
		fm->byte_hash[2][s[2]] ^ fm->byte_hash[3][s[3]] ^
		fm->byte_hash[4][d[0]] ^ fm->byte_hash[5][d[1]] ^
		fm->byte_hash[6][d[2]] ^ fm->byte_hash[7][d[3]] ^
		fm->byte_hash[8][sp[0]] ^ fm->byte_hash[9][sp[1]] ^
		fm->byte_hash[10][dp[0]] ^ fm->byte_hash[11][dp[1]];
}

/** The worker the redirection table gives @p hash to. */
static inline uint16_t
net_flow_owner_of_hash(const struct net_flow_map *fm, uint32_t hash)
{
	return (uint16_t)((hash & fm->reta_mask) % fm->nb_workers);
}

/**
 * The worker that owns our connection @p laddr:@p lport <-> @p raddr:@p rport
 * (network byte order): the one whose queue receives the peer's frames.
 */
static inline uint16_t
net_flow_owner(const struct net_flow_map *fm, rte_be32_t raddr, rte_be32_t laddr,
		rte_be16_t rport, rte_be16_t lport)
{
	return net_flow_owner_of_hash(fm, net_flow_hash(fm, raddr, laddr, rport, lport));
}

/* An IPv6 address folded to 32 bits: the XOR of its four words. */
static inline rte_be32_t
net_flow_fold6(const uint8_t *a)
{
	uint32_t w[4];

	memcpy(w, a, sizeof(w));
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

/**
 * The worker that owns an IPv6 connection. The device hashes TCP/IPv4 only
 * (RSS is set up for it), so an IPv6 frame's owner is always computed: the
 * same function over each address folded to 32 bits.
 */
static inline uint16_t
net_flow_owner6(const struct net_flow_map *fm, const uint8_t *raddr, const uint8_t *laddr,
		rte_be16_t rport, rte_be16_t lport)
{
	return net_flow_owner(fm, net_flow_fold6(raddr), net_flow_fold6(laddr), rport, lport);
}

#endif /* TERN_NET_FLOW_H */
