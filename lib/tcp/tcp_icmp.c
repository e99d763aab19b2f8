/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP errors about our segments (lib/net passes them up, net_priv.h):
 *
 *  - RFC 5927 4.1: an error counts only if the sequence number it quotes is
 *    in flight (SND.UNA <= SEG.SEQ < SND.MAX: SND.NXT may have gone back to
 *    resend); anything else may be forged and changes nothing.
 *  - Fragmentation needed (RFC 1191): the path MTU drops to the MTU it
 *    names, the MSS follows, and the data in flight is resent at the new
 *    size at once, from SND.UNA, since the router dropped it. Not a congestion
 *    signal: cwnd and ssthresh stay, and everything in flight goes again. An
 *    MTU below RFC 791's 68, or one that would not lower the MSS, is absurd
 *    (or stale) and ignored. A legal one below TCP_PMTU_MIN is raised to it,
 *    so a forged error cannot shrink segments to a few bytes, and the
 *    connection's segments go without DF from then on (as Linux does below
 *    its min_pmtu): the router fragments them rather than drop them all,
 *    and the path is not a black hole.
 *  - Packet Too Big over IPv6 (RFC 8201 §4): the same, with the MSS the MTU
 *    less 60; an MTU below IPv6's minimum link MTU (1280) is discarded, so
 *    neither floor nor DF logic is needed.
 *  - Any other error ends an active open at once (SYN-SENT: RFC 1122
 *    4.2.3.9 asks it of protocol and port unreachable, and as Linux does it
 *    for every unreachable: a connect to a dead host fails now, not after
 *    every SYN retry), with on_closed(TERN_CLOSE_UNREACHABLE) and the error
 *    in tern_conn_info.soft_error. In the synchronized states it is soft
 *    (RFC 5461 4): kept on the connection, never a reset; if the connection
 *    then times out it ends TERN_CLOSE_UNREACHABLE, not TERN_CLOSE_TIMEOUT.
 */
#include <errno.h>

#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "tcp_priv.h"

/* RFC 1191 7: plateaus, for an old router that names no next-hop MTU */
static const uint16_t pmtu_plateaus[] = { 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508,
	296, 68 };

/* The largest plateau below the quoted datagram's length (RFC 1191 5). */
static uint32_t
tcp_pmtu_plateau_below(uint32_t len)
{
	for (unsigned int i = 0; i < RTE_DIM(pmtu_plateaus); i++)
		if (pmtu_plateaus[i] < len)
			return pmtu_plateaus[i];
	return 0;
}

static void tcp_mss_lower(struct tcp_cb *tp, uint32_t mss, bool below_floor);

/*
 * RFC 1191: lower the MSS to fit @p mtu (bytes 6-7 of the ICMP header; 0 from
 * routers older than RFC 1191, then the plateau below @p quoted_len) and
 * resend what is in flight at that size.
 */
static void
tcp_pmtu_lower(struct tcp_cb *tp, uint32_t mtu, uint32_t quoted_len)
{
	bool below_floor;

	if (mtu == 0)
		mtu = tcp_pmtu_plateau_below(quoted_len);
	if (mtu < TCP_PMTU_ABSURD) {
		tp->tw->stats->tcp_icmp_bad_mtu++;
		return;
	}
	below_floor = mtu < TCP_PMTU_MIN && !(tp->flags & TF_NO_DF);
	mtu = RTE_MAX(mtu, (uint32_t)TCP_PMTU_MIN);
	tcp_mss_lower(tp, mtu - (uint32_t)sizeof(struct rte_ipv4_hdr) - TCP_HDR_MIN, below_floor);
}

/* RFC 8201 §4: IPv6's path MTU is never below 1280, nor is an MTU taken that claims so. */
#define TCP_PMTU6_MIN 1280

static void
tcp_pmtu6_lower(struct tcp_cb *tp, uint32_t mtu)
{
	if (mtu < TCP_PMTU6_MIN) {
		tp->tw->stats->tcp_icmp_bad_mtu++;
		return;
	}
	tcp_mss_lower(tp, mtu - (uint32_t)sizeof(struct rte_ipv6_hdr) - TCP_HDR_MIN, false);
}

/*
 * The path takes segments of @p mss at most: lower the payload size and
 * resend what is in flight at it (@p below_floor: IPv4's floor was raised,
 * DF goes off). An MSS that lowers nothing is stale, or forged.
 */
static void
tcp_mss_lower(struct tcp_cb *tp, uint32_t mss, bool below_floor)
{
	struct tern_stats *st = tp->tw->stats;
	uint32_t seg_max = mss - tcp_opt_len_fixed(tp);

	if (tp->seg_max == 0 || (seg_max >= tp->seg_max && !below_floor)) {
		st->tcp_icmp_bad_mtu++;     /* no MSS yet (SYN_SENT), or no decrease */
		return;
	}
	tp->seg_max = (uint16_t)RTE_MIN(seg_max, (uint32_t)tp->seg_max);
	if (below_floor)
		tp->flags |= TF_NO_DF;
	st->tcp_pmtu_lowered++;
	if (tp->snd_max == tp->snd_una)
		return;
	/* what is in flight went out too big: send it again from SND.UNA, cut
	 * to the new size, within the window as it is */
	tp->flags &= ~TF_RTT_TIMING;    /* Karn: no sample from a resend */
	tp->snd_nxt = tp->snd_una;
	tcp_output_sched(tp);
}

/* RFC 1122 4.2.3.9 / RFC 5461: what a soft error would tell the application. */
static uint16_t
tcp_icmp_errno(uint8_t type, uint8_t code)
{
	if (type != NET_ICMP_DEST_UNREACH)
		return type == NET_ICMP_TIME_EXCEEDED ? EHOSTUNREACH : EPROTO;
	switch (code) {
	case NET_ICMP_NET_UNREACH: return ENETUNREACH;
	case NET_ICMP_PROTO_UNREACH: return ENOPROTOOPT;
	case NET_ICMP_PORT_UNREACH: return ECONNREFUSED;
	default: return EHOSTUNREACH;
	}
}

/* RFC 4443 §3.1, §3.3, §3.4 (Linux's mapping): what a soft error would
 * tell the application. */
static uint16_t
tcp_icmp6_errno(uint8_t type, uint8_t code)
{
	if (type != NET_ICMP6_DEST_UNREACH)
		return type == NET_ICMP6_TIME_EXCEEDED ? EHOSTUNREACH : EPROTO;
	switch (code) {
	case 0: return ENETUNREACH;             /* no route to destination */
	case 1: return EACCES;                  /* administratively prohibited */
	case 4: return ECONNREFUSED;            /* port unreachable */
	default: return EHOSTUNREACH;
	}
}

/* What both families do with an error about @tp's segment @seq. */
static void
tcp_icmp_soft(struct tcp_cb *tp, uint16_t err)
{
	tp->soft_error = (uint8_t)err;
	tp->tw->stats->tcp_icmp_soft_error++;
	if (tp->state == TERN_TCP_SYN_SENT)
		tcp_drop(tp, TERN_CLOSE_UNREACHABLE);
}

/* The connection an error quotes, if its sequence number is in flight
 * (RFC 5927 4.1); counted otherwise. */
static struct tcp_cb *
tcp_icmp_conn(struct tcp_worker *tw, const struct tcp_key *key, uint32_t seq)
{
	void *data = tcp_table_lookup(tw, key);
	struct tcp_cb *tp;

	if (data == NULL || ((uintptr_t)data & TW_TAG)) {
		tw->stats->tcp_icmp_no_conn++;
		return NULL;
	}
	tp = data;
	if (!(seq_leq(tp->snd_una, seq) && seq_lt(seq, tp->snd_max))) {
		tw->stats->tcp_icmp_out_of_window++;
		return NULL;
	}
	return tp;
}

/* An ICMPv6 error (RFC 4443) about one of our segments. Consumes @p m. */
static void
tcp_icmp6_input(struct tcp_worker *tw, struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *q = net_icmp6_quoted_ip(m);
	const struct rte_tcp_hdr *qt = net_icmp6_quoted_tcp(m);
	const uint8_t *msg = rte_pktmbuf_mtod_offset(m, const uint8_t *, m->l3_len);
	struct tcp_key6 k6 = { .k = { .rport = qt->dst_port, .lport = qt->src_port } };
	struct tcp_cb *tp;

	memcpy(k6.raddr, q->dst_addr, NET_IP6_LEN);
	memcpy(k6.laddr, q->src_addr, NET_IP6_LEN);
	memcpy(&k6.k.raddr, &k6.raddr[12], sizeof(k6.k.raddr));
	tp = tcp_icmp_conn(tw, &k6.k, rte_be_to_cpu_32(qt->sent_seq));
	if (tp != NULL) {
		if (msg[0] == NET_ICMP6_PACKET_TOO_BIG)
			/* RFC 4443 §3.2: the MTU is the 32-bit word after the checksum */
			tcp_pmtu6_lower(tp, (uint32_t)msg[4] << 24 | (uint32_t)msg[5] << 16 |
					(uint32_t)msg[6] << 8 | msg[7]);
		else
			tcp_icmp_soft(tp, tcp_icmp6_errno(msg[0], msg[1]));
	}
	rte_pktmbuf_free(m);
}

void
tcp_icmp_input(struct tcp_worker *tw, struct rte_mbuf *m)
{
	if (net_icmp_error_is_ip6(m)) {
		tcp_icmp6_input(tw, m);
		return;
	}
	const struct rte_ipv4_hdr *q = net_icmp_quoted_ip(m);
	const struct rte_tcp_hdr *qt = net_icmp_quoted_tcp(m);
	const struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *,
			m->l3_len);
	struct tcp_key key = { .raddr = q->dst_addr, .laddr = q->src_addr,
		.rport = qt->dst_port, .lport = qt->src_port };
	struct tcp_cb *tp = tcp_icmp_conn(tw, &key, rte_be_to_cpu_32(qt->sent_seq));

	if (tp == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	if (icmp->icmp_type == NET_ICMP_DEST_UNREACH && icmp->icmp_code == NET_ICMP_FRAG_NEEDED) {
		/* RFC 1191 4: the next-hop MTU is the low 16 bits of the unused word */
		const uint8_t *hdr = (const uint8_t *)icmp;

		tcp_pmtu_lower(tp, (uint32_t)hdr[6] << 8 | hdr[7], rte_be_to_cpu_16(q->total_length));
	} else {
		tcp_icmp_soft(tp, tcp_icmp_errno(icmp->icmp_type, icmp->icmp_code));
	}
	rte_pktmbuf_free(m);
}
