/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792): echo requests are answered in place, in the mbuf they
 * arrived in; errors about a TCP segment we sent (destination unreachable,
 * time exceeded, parameter problem) go up to TCP (RFC 1122 3.2.2, RFC 5927);
 * every other type, source quench included (RFC 6633), is counted and
 * dropped.
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

/* Bytes of an error's ICMP header before the quote (type, code, checksum, 4 more). */
#define ICMP_ERR_HDR_LEN 8
/* The quoted TCP bytes TCP needs: ports and sequence number (RFC 792's 64 bits). */
#define ICMP_QUOTED_TCP_MIN 8

static bool
icmp_is_error_type(uint8_t type)
{
	return type == NET_ICMP_DEST_UNREACH || type == NET_ICMP_TIME_EXCEEDED ||
			type == NET_ICMP_PARAM_PROBLEM;
}

/*
 * RFC 1122 3.2.2: the quote must be the start of a datagram we sent: an
 * IPv4 header (version 4, IHL >= 5) from one of our addresses carrying TCP,
 * followed by at least the 8 bytes of TCP header that name the connection.
 */
static bool
icmp_quote_is_our_tcp(const struct net_if *ifp, const struct rte_mbuf *m, uint32_t icmp_len)
{
	const struct rte_ipv4_hdr *q;
	uint32_t qhl;

	if (icmp_len < ICMP_ERR_HDR_LEN + NET_IPV4_MIN_HLEN + ICMP_QUOTED_TCP_MIN ||
			rte_pktmbuf_data_len(m) < m->l3_len + icmp_len)
		return false;       /* short, or not in the first segment of the chain */
	q = net_icmp_quoted_ip(m);
	qhl = rte_ipv4_hdr_len(q);
	return (q->version_ihl >> 4) == 4 && qhl >= NET_IPV4_MIN_HLEN &&
			icmp_len >= ICMP_ERR_HDR_LEN + qhl + ICMP_QUOTED_TCP_MIN &&
			q->next_proto_id == IPPROTO_TCP && net_if_owns(ifp, q->src_addr);
}

bool
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
		return false;
	}
	if (icmp_is_error_type(icmp->icmp_type)) {
		st->icmp_rx_error++;
		if (!icmp_quote_is_our_tcp(ifp, m, len)) {
			st->icmp_drop_quote++;
			goto drop;
		}
		m->packet_type = NET_PTYPE_ICMP_ERROR;
		return true;
	}
	st->icmp_drop_type++;
drop:
	rte_pktmbuf_free(m);
	return false;
}
