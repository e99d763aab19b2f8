/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet: the input demux for a received burst and the transmit batch.
 *
 * net_input_burst() checks each frame's length and destination MAC, then by
 * ethertype hands it to ARP, or to IPv4 validation and from there to ICMP or
 * back to the caller as a TCP segment (or an ICMP error about one of ours),
 * or, with [ipv6], to IPv6 validation and from there to ICMPv6 or back as a
 * TCP segment. Every frame ends in exactly one place:
 * a handler that consumes it, the TCP output array, or a counted drop.
 */
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "net_priv.h"

static bool
eth_dst_accepted(const struct net_if *ifp, const struct rte_ether_addr *dst)
{
	/* with IPv6, its multicast MACs too (RFC 2464 7); IPv6 checks the group */
	return rte_is_same_ether_addr(dst, &ifp->mac) || rte_is_broadcast_ether_addr(dst) ||
		(ifp->ip6_on && dst->addr_bytes[0] == 0x33 && dst->addr_bytes[1] == 0x33);
}

/* IPv6 in an Ethernet frame ([ipv6] configured): validate, then ICMPv6
 * here or TCP to the caller (marked NET_PTYPE_TCP6). */
static bool
eth_ipv6_input(struct net_if *ifp, struct rte_mbuf *m)
{
	int proto = net_ipv6_input(ifp, m);

	switch (proto) {
	case -1:
		return false;            /* freed and counted */
	case IPPROTO_TCP:
		ifp->stats->tcp6_rx++;
		m->packet_type = NET_PTYPE_TCP6;
		return true;
	default:                  /* IPPROTO_ICMPV6 (IPv6 input took no other) */
		return net_icmp6_input(ifp, m);     /* true: an error for TCP */
	}
}

/* IPv4 in an Ethernet frame: validate, then ICMP here or TCP to the caller. */
static bool
eth_ipv4_input(struct net_if *ifp, struct rte_mbuf *m)
{
	int proto = net_ipv4_input(ifp, m);

	switch (proto) {
	case -1:
		return false;            /* freed and counted */
	case IPPROTO_TCP:
		ifp->stats->tcp_rx++;
		return true;
	case IPPROTO_ICMP:
		return net_icmp_input(ifp, m);    /* true: an error for TCP */
	default:
		ifp->stats->ip_drop_proto++;
		rte_pktmbuf_free(m);
		return false;
	}
}

uint16_t
net_input_burst(struct net_if *ifp, struct rte_mbuf **pkts, uint16_t n,
		struct rte_mbuf **tcp)
{
	struct tern_stats *st = ifp->stats;
	uint16_t ntcp = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct rte_ether_hdr *eh;
		uint16_t type;

		st->rx_frames++;
		st->rx_bytes += rte_pktmbuf_pkt_len(m);
		if (unlikely(rte_pktmbuf_data_len(m) < sizeof(*eh))) {
			st->eth_drop_short++;
			rte_pktmbuf_free(m);
			continue;
		}
		eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
		if (unlikely(!eth_dst_accepted(ifp, &eh->dst_addr))) {
			st->eth_drop_not_ours++;
			rte_pktmbuf_free(m);
			continue;
		}
		type = rte_be_to_cpu_16(eh->ether_type);
		m->l2_len = sizeof(*eh);
		rte_pktmbuf_adj(m, sizeof(*eh));
		if (likely(type == RTE_ETHER_TYPE_IPV4)) {
			if (eth_ipv4_input(ifp, m))
				tcp[ntcp++] = m;
		} else if (type == RTE_ETHER_TYPE_ARP) {
			net_arp_input(ifp, m);
		} else if (type == RTE_ETHER_TYPE_IPV6 && ifp->ip6_on) {
			if (eth_ipv6_input(ifp, m))
				tcp[ntcp++] = m;
		} else {
			st->eth_drop_ethertype++;
			rte_pktmbuf_free(m);
		}
	}
	return ntcp;
}

void
net_eth_output(struct net_if *ifp, struct rte_mbuf *m,
		const struct rte_ether_addr *dst_mac, uint16_t ether_type)
{
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (unlikely(eh == NULL)) {
		/* every builder reserves RTE_PKTMBUF_HEADROOM; this is a bug */
		ifp->stats->tx_drop_nombuf++;
		rte_pktmbuf_free(m);
		return;
	}
	rte_ether_addr_copy(dst_mac, &eh->dst_addr);
	rte_ether_addr_copy(&ifp->mac, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ether_type);
	m->l2_len = sizeof(*eh);
	net_tx(ifp, m);
}

void
net_tx(struct net_if *ifp, struct rte_mbuf *m)
{
	struct net_tx_batch *tx = &ifp->tx;

	/* a frame past the MTU would be refused by the driver for good and
	 * block the queue behind it: a bug upstream, counted, never sent (a
	 * frame the device cuts into segments excepted) */
	if (unlikely(rte_pktmbuf_pkt_len(m) > (uint32_t)ifp->mtu + RTE_ETHER_HDR_LEN) &&
			!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)) {
		ifp->stats->tx_drop_oversize++;
		rte_pktmbuf_free(m);
		return;
	}
	if (unlikely(tx->n == NET_TX_BATCH_MAX)) {
		net_tx_flush(ifp);
		if (tx->n == NET_TX_BATCH_MAX) {
			/* the driver is refusing a whole batch: drop the newest */
			ifp->stats->tx_drop_full++;
			rte_pktmbuf_free(m);
			return;
		}
	}
	tx->bytes += rte_pktmbuf_pkt_len(m);
	tx->m[tx->n++] = m;
}

bool
net_tx_blocked_slow(struct net_if *ifp)
{
	struct net_tx_batch *tx = &ifp->tx;

	net_tx_flush(ifp);
	if (tx->n < NET_TX_BATCH_MAX)
		return false;
	if (tx->full_since_us == 0)
		tx->full_since_us = RTE_MAX(ifp->now_us, (uint64_t)1);
	return ifp->now_us - tx->full_since_us < NET_TX_WAIT_MAX_US;
}

uint16_t
net_tx_now(struct net_if *ifp, struct rte_mbuf **m, uint16_t n)
{
	uint64_t bytes = 0;
	uint16_t sent;

	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(m[i]);
	sent = ifp->dev->ops->tx_burst(ifp->dev, ifp->queue, m, n);
	for (uint16_t i = sent; i < n; i++)
		bytes -= rte_pktmbuf_pkt_len(m[i]);
	ifp->stats->tx_frames += sent;
	ifp->stats->tx_bytes += bytes;
	if (sent < n) {
		ifp->stats->tx_drop_full += n - sent;
		rte_pktmbuf_free_bulk(&m[sent], n - sent);
	}
	return sent;
}

void
net_tx_flush(struct net_if *ifp)
{
	struct net_tx_batch *tx = &ifp->tx;
	uint16_t sent, left;

	if (tx->n == 0)
		return;
	sent = ifp->dev->ops->tx_burst(ifp->dev, ifp->queue, tx->m, tx->n);
	ifp->stats->tx_frames += sent;
	left = tx->n - sent;
	if (left != 0) {
		/* keep the refused frames, oldest first, for the next flush;
		 * the sent ones may be freed already: only the refused are read */
		uint32_t kept = 0;
		uint16_t counted = tx->counted > sent ? tx->counted - sent : 0;

		for (uint16_t i = sent; i < tx->n; i++)
			kept += rte_pktmbuf_pkt_len(tx->m[i]);
		memmove(&tx->m[0], &tx->m[sent], left * sizeof(tx->m[0]));
		/* a frame counts once, however many polls it waits (a link
		 * down for seconds would count every poll) */
		ifp->stats->tx_retried += left - counted;
		tx->counted = left;
		ifp->stats->tx_bytes += tx->bytes - kept;
		tx->bytes = kept;
	} else {
		tx->counted = 0;
		ifp->stats->tx_bytes += tx->bytes;
		tx->bytes = 0;
	}
	tx->n = left;
	if (left < NET_TX_BATCH_MAX)
		tx->full_since_us = 0;
}
