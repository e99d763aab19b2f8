/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive coalescing (GRO, [port] gro): the in-order TCP/IPv4 segments of a
 * flow that arrive together in one burst become one segment, a chain, before
 * TCP input sees them, so TCP's work per segment (lookup, ACK processing,
 * delivery) is paid once per run of them. DPDK's rte_gro does the merging;
 * this file decides what it may merge and keeps the burst's order.
 *
 * rte_gro's lightweight mode merges segments that carry data and only the
 * ACK flag, whose addresses, ports, ACK number and TCP options agree and
 * whose sequence numbers meet. It neither checks nor updates TCP checksums;
 * it cuts the first segment's header lengths off the ones it appends, so it
 * would splice header bytes into the data of segments whose IPv4 headers
 * differ in length (it does not compare them); and it returns what it merged
 * ahead of what it left. So a candidate has a 20-byte IPv4 header (options
 * are rare on TCP; such segments go to TCP as they are), its checksum is
 * checked here first (one that fails is left to TCP input, which counts and
 * drops it), and rte_gro is given runs of consecutive candidates only: no
 * segment outside a run is passed by one after it (within a run a segment
 * may join an earlier one it follows in sequence, so TCP still gets the
 * bytes in order). A merged segment keeps its first segment's headers, its
 * window too; IPv4's total length is rewritten, and its checksum is not read
 * again.
 */
#include <rte_ether.h>
#include <rte_gro.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net_priv.h"

/* the TCP header lengths rte_gro takes (it leaves others) */
#define GRO_TCP_HLEN_MIN 20u
#define GRO_TCP_HLEN_MAX 60u

/*
 * Whether @m, a TCP/IPv4 segment from net_input_burst (data offset at the
 * IPv4 header), may be merged: data and the ACK flag alone, an IPv4 header
 * without options, a TCP header rte_gro reads in place, a checksum known
 * good (checked here if no one did; marked good then). On true, @m is set up
 * as rte_gro reads a frame.
 */
static bool
gro_candidate(struct net_if *ifp, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;
	uint32_t doff, tcp_len;

	if (net_is_tcp6(m) || net_is_icmp_error(m) || m->l3_len != sizeof(struct rte_ipv4_hdr) ||
			rte_pktmbuf_data_len(m) < m->l3_len + GRO_TCP_HLEN_MIN)
		return false;
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l3_len);
	doff = (uint32_t)(th->data_off >> 4) * 4;
	tcp_len = rte_pktmbuf_pkt_len(m) - m->l3_len;
	if (th->tcp_flags != RTE_TCP_ACK_FLAG || doff < GRO_TCP_HLEN_MIN ||
			doff > GRO_TCP_HLEN_MAX || tcp_len <= doff ||
			m->l3_len + doff > rte_pktmbuf_data_len(m))
		return false;
	if (!net_l4_cksum_ok(ifp, m, tcp_len, net_cksum_pseudo(ip->src_addr, ip->dst_addr,
			IPPROTO_TCP, (uint16_t)tcp_len)))
		return false;
	/* TCP input, reading the merged segment, must not sum it again */
	m->ol_flags = (m->ol_flags & ~RTE_MBUF_F_RX_L4_CKSUM_MASK) | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	/* rte_gro reads the frame from its Ethernet header, still in front */
	rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l4_len = doff;
	m->packet_type = RTE_PTYPE_L2_ETHER | RTE_PTYPE_L3_IPV4 | RTE_PTYPE_L4_TCP;
	return true;
}

/* Merge the run of @n candidates at @pkts. @return the segments left. */
static uint16_t
gro_run(struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_gro_param param = {
		.gro_types = RTE_GRO_TCP_IPV4,
		.max_flow_num = n,
		.max_item_per_flow = n,
	};
	uint16_t left = n < 2 ? n : rte_gro_reassemble_burst(pkts, n, &param);

	for (uint16_t i = 0; i < left; i++) {
		rte_pktmbuf_adj(pkts[i], RTE_ETHER_HDR_LEN);
		pkts[i]->packet_type = 0;
	}
	return left;
}

uint16_t
net_gro_burst(struct net_if *ifp, struct rte_mbuf **tcp, uint16_t n)
{
	uint16_t out = 0, i = 0;

	while (i < n) {
		uint16_t start = i, left;

		while (i < n && gro_candidate(ifp, tcp[i]))
			i++;
		left = gro_run(&tcp[start], i - start);
		ifp->stats->rx_gro_merged += (uint16_t)(i - start) - left;
		memmove(&tcp[out], &tcp[start], left * sizeof(tcp[0]));
		out += left;
		if (i < n)
			tcp[out++] = tcp[i++];     /* the one that ended the run: as it is */
	}
	return out;
}
