/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792): echo requests are answered in place, in the mbuf they
 * arrived in; every other type is counted and dropped.
 */
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net_priv.h"

/* Drop IP options from a received header so the reply carries a plain one. */
static struct rte_ipv4_hdr *
icmp_strip_ip_options(struct rte_mbuf *m)
{
	uint16_t extra = (uint16_t)(m->l3_len - NET_IPV4_MIN_HLEN);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if (extra != 0) {
		memmove(p + extra, p, NET_IPV4_MIN_HLEN);
		rte_pktmbuf_adj(m, extra);
		m->l3_len = NET_IPV4_MIN_HLEN;
	}
	return rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
}

/* RFC 792 "Echo or Echo Reply Message": same identifier, sequence and data. */
static void
icmp_echo_reply(struct net_if *ifp, struct rte_mbuf *m, uint16_t icmp_len)
{
	struct rte_ipv4_hdr *ip = icmp_strip_ip_options(m);
	struct rte_icmp_hdr *icmp;
	rte_be32_t requester = ip->src_addr;
	/* from the address asked, or our first one for a broadcast ping */
	rte_be32_t self = net_if_owns(ifp, ip->dst_addr) ? ip->dst_addr : ifp->addr;

	net_ipv4_hdr_fill(ifp, ip, self, requester, IPPROTO_ICMP, icmp_len);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~net_cksum_mbuf(m, NET_IPV4_MIN_HLEN, icmp_len, 0);
	/* the frame goes out again: RX flags and lengths mean nothing now */
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	ifp->stats->icmp_echo_reply++;
	net_ipv4_output(ifp, m);
}

void
net_icmp_input(struct net_if *ifp, struct rte_mbuf *m)
{
	struct tern_stats *st = ifp->stats;
	const struct rte_icmp_hdr *icmp;
	uint32_t len = rte_pktmbuf_pkt_len(m) - m->l3_len;

	st->icmp_rx++;
	if (unlikely(len < sizeof(*icmp) ||
			rte_pktmbuf_data_len(m) < m->l3_len + sizeof(*icmp))) {
		st->icmp_drop_short++;
		goto drop;
	}
	if (unlikely(net_cksum_mbuf(m, m->l3_len, len, 0) != 0xffff)) {
		st->icmp_drop_cksum++;
		goto drop;
	}
	icmp = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *, m->l3_len);
	if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REQUEST && icmp->icmp_code == 0) {
		icmp_echo_reply(ifp, m, (uint16_t)len);
		return;
	}
	st->icmp_drop_type++;
drop:
	rte_pktmbuf_free(m);
}
