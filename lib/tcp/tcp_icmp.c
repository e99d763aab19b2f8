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

/*
 * RFC 1191: lower the MSS to fit @p mtu (bytes 6-7 of the ICMP header; 0 from
 * routers older than RFC 1191, then the plateau below @p quoted_len) and
 * resend what is in flight at that size.
 */
static void
tcp_pmtu_lower(struct tcp_cb *tp, uint32_t mtu, uint32_t quoted_len)
{
	struct tern_stats *st = tp->tw->stats;
	uint32_t mss, seg_max;
	bool below_floor;

	if (mtu == 0)
		mtu = tcp_pmtu_plateau_below(quoted_len);
	if (mtu < TCP_PMTU_ABSURD) {
		st->tcp_icmp_bad_mtu++;
		return;
	}
	below_floor = mtu < TCP_PMTU_MIN && !(tp->flags & TF_NO_DF);
	mtu = RTE_MAX(mtu, (uint32_t)TCP_PMTU_MIN);
	mss = mtu - (uint32_t)sizeof(struct rte_ipv4_hdr) - TCP_HDR_MIN;
	seg_max = mss - tcp_opt_len_fixed(tp);
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

void
tcp_icmp_input(struct tcp_worker *tw, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *q = net_icmp_quoted_ip(m);
	const struct rte_tcp_hdr *qt = net_icmp_quoted_tcp(m);
	const struct rte_icmp_hdr *icmp = rte_pktmbuf_mtod_offset(m, const struct rte_icmp_hdr *,
			m->l3_len);
	struct tcp_key key = { .raddr = q->dst_addr, .laddr = q->src_addr,
		.rport = qt->dst_port, .lport = qt->src_port };
	uint32_t seq = rte_be_to_cpu_32(qt->sent_seq);
	struct tcp_cb *tp;
	void *data;

	if (rte_hash_lookup_data(tw->conns, &key, &data) < 0 || ((uintptr_t)data & TW_TAG)) {
		tw->stats->tcp_icmp_no_conn++;
		goto done;
	}
	tp = data;
	if (!(seq_leq(tp->snd_una, seq) && seq_lt(seq, tp->snd_max))) {
		tw->stats->tcp_icmp_out_of_window++;
		goto done;
	}
	if (icmp->icmp_type == NET_ICMP_DEST_UNREACH && icmp->icmp_code == NET_ICMP_FRAG_NEEDED) {
		/* RFC 1191 4: the next-hop MTU is the low 16 bits of the unused word */
		const uint8_t *hdr = (const uint8_t *)icmp;

		tcp_pmtu_lower(tp, (uint32_t)hdr[6] << 8 | hdr[7], rte_be_to_cpu_16(q->total_length));
	} else {
		tp->soft_error = tcp_icmp_errno(icmp->icmp_type, icmp->icmp_code);
		tw->stats->tcp_icmp_soft_error++;
		if (tp->state == TERN_TCP_SYN_SENT)
			tcp_drop(tp, TERN_CLOSE_UNREACHABLE);
	}
done:
	rte_pktmbuf_free(m);
}
