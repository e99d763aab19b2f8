/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 (RFC 791, RFC 1122 §3.2.1): validation of received packets and the
 * output path (header checksum, next hop, ARP).
 *
 * Validation order, one counter per reason: length of the fixed header,
 * version, IHL, total length against the frame, header checksum, destination,
 * fragments. Options are accepted and skipped (l3_len covers them).
 */
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net_mbufq.h"
#include "net_priv.h"

static bool
ipv4_dst_is_ours(const struct net_if *ifp, rte_be32_t dst)
{
	/* RFC 1122 §3.2.1.3: our address, limited broadcast, subnet broadcast */
	return net_if_owns(ifp, dst) || dst == RTE_BE32(0xffffffff) || dst == ifp->bcast;
}

static bool
ipv4_src_is_valid(const struct net_if *ifp, rte_be32_t src)
{
	uint32_t h = rte_be_to_cpu_32(src);

	/* RFC 1122 §3.2.1.3: never a broadcast or multicast (class D/E) source */
	return src != RTE_BE32(0xffffffff) && src != ifp->bcast && (h >> 28) < 14;
}

static bool
ipv4_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return true;
	if (f == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return false;
	return net_cksum_ipv4_hdr_ok(ip);
}

int
net_ipv4_input(struct net_if *ifp, struct rte_mbuf *m)
{
	struct tern_stats *st = ifp->stats;
	const struct rte_ipv4_hdr *ip;
	uint32_t avail = rte_pktmbuf_pkt_len(m);
	uint32_t hlen, totlen;

	st->ip_rx++;
	/* the whole header must sit in the first segment to be read in place */
	if (unlikely(rte_pktmbuf_data_len(m) < NET_IPV4_MIN_HLEN)) {
		st->ip_drop_short++;
		goto drop;
	}
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	if (unlikely((ip->version_ihl >> 4) != 4)) {
		st->ip_drop_version++;
		goto drop;
	}
	hlen = (uint32_t)(ip->version_ihl & RTE_IPV4_HDR_IHL_MASK) * 4;
	if (unlikely(hlen < NET_IPV4_MIN_HLEN || hlen > rte_pktmbuf_data_len(m))) {
		st->ip_drop_hdrlen++;
		goto drop;
	}
	totlen = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(totlen < hlen || totlen > avail)) {
		st->ip_drop_totlen++;
		goto drop;
	}
	if (unlikely(!ipv4_cksum_ok(m, ip))) {
		st->ip_drop_cksum++;
		goto drop;
	}
	if (unlikely(!ipv4_dst_is_ours(ifp, ip->dst_addr))) {
		st->ip_drop_not_ours++;
		goto drop;
	}
	if (unlikely(!ipv4_src_is_valid(ifp, ip->src_addr))) {
		st->ip_drop_bad_src++;
		goto drop;
	}
	/* RFC 791: MF set or a non-zero offset is a fragment; no reassembly */
	if (unlikely(ip->fragment_offset &
			rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))) {
		st->ip_drop_fragment++;
		goto drop;
	}
	/* Ethernet pads short frames: keep only what the header counts (in
	 * whichever of a chain's mbufs it ends) */
	if (avail > totlen)
		tern_mbuf_cut_back(m, avail - totlen);
	m->l3_len = hlen;
	return ip->next_proto_id;
drop:
	rte_pktmbuf_free(m);
	return -1;
}

/*
 * RFC 791 header checksum of a header with the fields given, summed from the
 * values rather than read back from the header just written: loads of whole
 * words over freshly stored bytes and halves stall on store forwarding. Each
 * term is a 16-bit word as it lies in memory; a ones'-complement sum of words
 * in memory order is the checksum in memory order (RFC 1071 §2(B)).
 */
static uint16_t
ipv4_hdr_cksum(uint16_t total_length, uint16_t packet_id, uint8_t ttl, uint8_t proto,
		rte_be32_t src, rte_be32_t dst)
{
	uint32_t sum = rte_cpu_to_be_16((uint16_t)(RTE_IPV4_VHL_DEF << 8)) +
			rte_cpu_to_be_16(total_length) + rte_cpu_to_be_16(packet_id) +
			rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) +
			rte_cpu_to_be_16((uint16_t)(ttl << 8 | proto)) +
			(src & 0xffff) + (src >> 16) + (dst & 0xffff) + (dst >> 16);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void
net_ipv4_hdr_fill(struct net_if *ifp, struct rte_ipv4_hdr *ip, rte_be32_t src,
		rte_be32_t dst, uint8_t proto, uint16_t l4_len)
{
	uint16_t total_length = (uint16_t)(NET_IPV4_MIN_HLEN + l4_len);
	uint16_t packet_id = ifp->ip_id++;

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(total_length);
	ip->packet_id = rte_cpu_to_be_16(packet_id);
	/* DF, as Linux sets it for TCP: path MTU discovery (RFC 1191), a router
	 * with a smaller next hop answers "fragmentation needed" (tcp_icmp.c) */
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = ifp->ttl;
	ip->next_proto_id = proto;
	/* a NIC that computes it wants the field zero */
	ip->hdr_checksum = (ifp->offloads & TERN_NETDEV_TX_IPV4_CKSUM) ? 0 :
			ipv4_hdr_cksum(total_length, packet_id, ifp->ttl, proto, src, dst);
	ip->src_addr = src;
	ip->dst_addr = dst;
}

void
net_ipv4_clear_df(const struct net_if *ifp, struct rte_ipv4_hdr *ip)
{
	ip->fragment_offset = 0;
	if (!(ifp->offloads & TERN_NETDEV_TX_IPV4_CKSUM)) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
}

rte_be32_t
net_ipv4_next_hop(const struct net_if *ifp, rte_be32_t dst)
{
	if (((dst ^ ifp->addr) & ifp->netmask) == 0)
		return dst;
	return ifp->gateway;
}

void
net_ipv4_output(struct net_if *ifp, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	rte_be32_t next_hop;

	m->l3_len = NET_IPV4_MIN_HLEN;
	if (ifp->offloads & TERN_NETDEV_TX_IPV4_CKSUM)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;

	if (ip->dst_addr == RTE_BE32(0xffffffff) || ip->dst_addr == ifp->bcast) {
		ifp->stats->ip_tx++;
		net_eth_output(ifp, m, &(const struct rte_ether_addr){
				.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
				RTE_ETHER_TYPE_IPV4);
		return;
	}
	next_hop = net_ipv4_next_hop(ifp, ip->dst_addr);
	if (unlikely(next_hop == 0)) {
		ifp->stats->ip_drop_no_route++;
		rte_pktmbuf_free(m);
		return;
	}
	ifp->stats->ip_tx++;
	net_arp_output(ifp, m, next_hop);
}
