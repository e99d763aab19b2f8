/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internet checksums (RFC 1071): the ones'-complement sum of 16-bit words.
 * Built on DPDK's raw sum; these wrappers give the stack one place that says
 * what is folded, what is inverted and what covers the pseudo-header.
 */
#include <rte_ip.h>

#include "net_priv.h"

uint16_t
net_cksum_raw(const void *buf, size_t len, uint32_t initial)
{
	return __rte_raw_cksum_reduce(__rte_raw_cksum(buf, len, initial));
}

/* The 32-bit word at @p, which may sit off alignment. */
static inline uint32_t
load_u32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * One's complement sum of the 20-byte IPv4 header at @ip, without options,
 * as five 32-bit words: adding 32-bit words and folding gives the same sum as
 * adding the 16-bit ones (RFC 1071 §2(B)). Each word is loaded on its own
 * (the header may sit 2 bytes off alignment): a 20-byte memcpy into an
 * array went through the stack, and its reloads waited on the store.
 */
static inline uint16_t
ipv4_hdr20_sum(const struct rte_ipv4_hdr *ip)
{
	const uint8_t *p = (const uint8_t *)ip;
	uint64_t sum;

	sum = (uint64_t)load_u32(p) + load_u32(p + 4) + load_u32(p + 8) + load_u32(p + 12) +
		load_u32(p + 16);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)((sum & 0xffffu) + (sum >> 16));
}

bool
net_cksum_ipv4_hdr_ok(const struct rte_ipv4_hdr *ip)
{
	size_t hlen = (size_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4;

	if (likely(hlen == sizeof(*ip)))
		return ipv4_hdr20_sum(ip) == 0xffff;
	return net_cksum_raw(ip, hlen, 0) == 0xffff;
}

uint16_t
net_cksum_mbuf(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t initial)
{
	uint64_t sum = initial;
	bool odd = false;   /* the next byte sits in the low half of a 16-bit word */

	/* RFC 1071 over a chain: a segment that starts at an odd offset of the
	 * message has its sum byte-swapped (after folding its carries in) */
	for (; m != NULL && len != 0; m = m->next) {
		uint32_t n, s;

		if (off >= m->data_len) {
			off -= m->data_len;
			continue;
		}
		n = RTE_MIN(len, (uint32_t)m->data_len - off);
		s = __rte_raw_cksum_reduce(__rte_raw_cksum(rte_pktmbuf_mtod_offset(m,
				const uint8_t *, off), n, 0));
		sum += odd ? (uint16_t)((s >> 8) | (s << 8)) : s;
		odd ^= n & 1;
		len -= n;
		off = 0;
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}
