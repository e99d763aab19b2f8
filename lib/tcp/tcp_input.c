/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input (RFC 9293 §3.10.7, "SEGMENT ARRIVES").
 *
 * tcp_input_burst() checks each segment (header length, checksum, options),
 * looks the burst's 4-tuples up in one bulk call, and hands each segment to
 * the processing for what it found: a control block (tcp_segment), a
 * TIME_WAIT record (tcp_timewait_input), a listener (tcp_listen_input) or
 * nothing (tcp_closed_input: RST). tcp_segment() follows the RFC's order:
 * PAWS, sequence acceptability and trimming, RST, SYN, ACK, data, FIN.
 *
 * Every segment's mbuf ends in exactly one place: the application (in-order
 * payload through on_recv), the reassembly queue, or rte_pktmbuf_free.
 */
#include <string.h>

#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_prefetch.h>
#include <rte_tcp.h>

#include "tcp_priv.h"

/* RFC 7323 §5.5: 24 days, on tcp_paws_clock */
#define PAWS_IDLE tcp_paws_clock(24ull * 24 * 3600 * 1000000)

/* --- helpers ----------------------------------------------------------- */

/* RFC 5961 §3.2, §4.2, §5.2: answer a suspicious RST, SYN or ACK with an ACK
 * (the real peer will tell), within a budget. */
static void
tcp_challenge_ack(struct tcp_cb *tp)
{
	struct tcp_worker *tw = tp->tw;
	uint64_t now = tw->nif->now_us;

	/* RFC 5961 §7: a per-worker budget of challenge ACKs per second */
	if (now - tw->chal_window_us >= 1000000) {
		tw->chal_window_us = now;
		tw->chal_count = 0;
	}
	if (tw->chal_count >= tw->p.challenge_ack_limit) {
		tw->stats->tcp_challenge_ack_limited++;
		return;
	}
	tw->chal_count++;
	tw->stats->tcp_challenge_ack++;
	tp->flags |= TF_ACKNOW;
	tcp_output_sched(tp);
}

static void
tcp_ack_now(struct tcp_cb *tp)
{
	tp->flags |= TF_ACKNOW;
	tcp_output_sched(tp);
}

/* Payload per segment and the initial window, once both MSS are known. */
static void
tcp_set_mss(struct tcp_cb *tp)
{
	uint32_t mss = RTE_MIN((uint32_t)tp->peer_mss, (uint32_t)tcp_mss_ours(tp));

	if (mss < TCP_MSS_MIN)
		mss = TCP_MSS_MIN;      /* an absurd MSS would make segments of nothing */
	tp->seg_max = (uint16_t)(mss - tcp_opt_len_fixed(tp));
	tcp_cc_init(tp);
}

static void
tcp_rtt_from_ts(struct tcp_cb *tp, const struct tcp_seg *seg)
{
	uint32_t ticks;

	if (!(tp->flags & TF_TS) || !seg->has_ts || seg->tsecr == 0)
		return;
	/* RFC 7323 §4.3 lets a receiver echo an old TSval for a resent segment
	 * it already had: after a timeout, a TSecr older than the resend would
	 * measure the whole RTO (Karn's problem again) */
	if (tp->ts_rexmt != 0) {
		if (seq_lt(seg->tsecr, tp->ts_rexmt))
			return;
		tp->ts_rexmt = 0;
	}
	ticks = tcp_ts_now(tp->tw) + tp->ts_offset - seg->tsecr;
	if (ticks < (1u << 20))      /* ignore echoes that make no sense */
		tcp_rtt_sample(tp, ticks << TCP_TS_SHIFT);
}

/* The handshake is done: take an RTT sample, or apply RFC 6298 (5.7). */
static void
tcp_rtt_after_handshake(struct tcp_cb *tp, const struct tcp_seg *seg)
{
	bool syn_lost = tp->rexmt_shift != 0;

	tp->rexmt_shift = 0;
	tcp_progress(tp);
	if ((tp->flags & TF_RTT_TIMING) && !syn_lost)
		/* our SYN or SYN-ACK, sent once, is acknowledged */
		tcp_rtt_sample(tp, (uint32_t)tp->tw->nif->now_us - tp->rtt_start_lo);
	else if (!(tp->flags & TF_COOKIE)) /* a cookie's TSval was not our clock */
		tcp_rtt_from_ts(tp, seg);
	tp->flags &= ~TF_RTT_TIMING;
	/* RFC 6298 (5.7): a SYN or SYN-ACK timed out and no sample since:
	 * data transmission starts with an RTO of 3 s */
	if (syn_lost && tp->srtt_us == 0)
		tp->rto_us = 3000000u;
}

void
tcp_deliver(struct tcp_cb *tp, struct rte_mbuf *m, uint32_t len)
{
	struct tern_stats *st = tp->tw->stats;

	tp->rcv_nxt += len;
	/* the listing's byte count goes on past 4 GiB (iss, irs: line 5) */
	if (unlikely(tp->rcv_nxt - tp->irs < len))
		tp->rcv_wraps++;
	if ((tp->flags & TF_APP_CLOSED) || tp->ops == NULL || tp->ops->on_recv == NULL) {
		st->tcp_drop_after_close += len;
		rte_pktmbuf_free(m);
		return;
	}
	st->tcp_rx_bytes += len;
	if (tp->flags & TF_RCV_HOLD)
		tp->rcv_held += len;
	tp->ops->on_recv(cb_conn(tp), m, tp->ops_arg);
}

static void
tcp_notify_peer_closed(struct tcp_cb *tp)
{
	if (!(tp->flags & TF_APP_CLOSED) && tp->ops != NULL && tp->ops->on_peer_closed != NULL)
		tp->ops->on_peer_closed(cb_conn(tp), tp->ops_arg);
}

void
tcp_fin_received(struct tcp_cb *tp)
{
	if (tp->flags & TF_RCVD_FIN) {
		tcp_ack_now(tp);
		return;
	}
	/* RFC 9293 §3.10.7.4 eighth: FIN takes one number; ACK it at once.
	 * The state moves before the app hears of it, so a tern_close() from
	 * on_peer_closed is a close from CLOSE_WAIT (LAST_ACK), as it should be. */
	/* the FIN came in order: what is held past it can never be delivered */
	if (tp->reass.len != 0) {
		tp->tw->stats->tcp_drop_state += tp->reass.len;
		tcp_reass_purge(tp);
	}
	tp->flags |= TF_RCVD_FIN;
	tp->rcv_nxt++;
	tcp_ack_now(tp);
	switch (tp->state) {
	case TERN_TCP_SYN_RECEIVED:
	case TERN_TCP_ESTABLISHED:
		tcp_set_state(tp, TERN_TCP_CLOSE_WAIT);
		break;
	case TERN_TCP_FIN_WAIT_1:
		/* our FIN not yet acknowledged: simultaneous close */
		tcp_set_state(tp, TERN_TCP_CLOSING);
		break;
	case TERN_TCP_FIN_WAIT_2:
		tcp_notify_peer_closed(tp);
		if (!(tp->flags & TF_DEAD))
			tcp_enter_time_wait(tp, true);
		return;
	default:
		break;
	}
	tcp_notify_peer_closed(tp);
}

/* --- parsing ------------------------------------------------------------ */

/*
 * The TCP header's length checks (RFC 9293 §3.1): the fixed header and the
 * data offset within the segment and the first mbuf segment. @return the
 * header, or NULL (counted).
 */
static __rte_always_inline const struct rte_tcp_hdr *
tcp_hdr_check(struct tcp_worker *tw, const struct rte_mbuf *m, uint32_t tcp_len, uint32_t *doff)
{
	const struct rte_tcp_hdr *th;

	if (unlikely(tcp_len < TCP_HDR_MIN ||
			rte_pktmbuf_data_len(m) < m->l3_len + TCP_HDR_MIN)) {
		tw->stats->tcp_drop_short++;
		return NULL;
	}
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l3_len);
	*doff = (uint32_t)(th->data_off >> 4) * 4;
	if (unlikely(*doff < TCP_HDR_MIN || *doff > tcp_len ||
			m->l3_len + *doff > rte_pktmbuf_data_len(m))) {
		tw->stats->tcp_drop_short++;
		return NULL;
	}
	return th;
}

/*
 * The rest of a segment's checks, the same for both families: the checksum
 * against pseudo-header sum @ph, the flags, the options; then @seg and the
 * ports of @key are filled and the data offset moved to the payload.
 * @return false if it fails (counted; the caller frees @m).
 */
static __rte_always_inline bool
tcp_seg_parse(struct tcp_worker *tw, struct rte_mbuf *m, const struct rte_tcp_hdr *th,
		uint32_t tcp_len, uint32_t doff, uint32_t ph, struct tcp_seg *seg,
		struct tcp_key *key)
{
	struct tern_stats *st = tw->stats;

	if (unlikely(!net_l4_cksum_ok(tw->nif, m, tcp_len, ph))) {
		st->tcp_drop_cksum++;
		return false;
	}
	memset(seg, 0, sizeof(*seg));
	seg->flags = th->tcp_flags & (TH_FIN | TH_SYN | TH_RST | TH_PSH | TH_ACK | TH_URG);
	if (unlikely((seg->flags & (TH_SYN | TH_RST)) == (TH_SYN | TH_RST) ||
			(seg->flags & (TH_SYN | TH_FIN)) == (TH_SYN | TH_FIN))) {
		st->tcp_drop_flags++;
		return false;
	}
	if (doff > TCP_HDR_MIN && unlikely(tcp_opt_parse((const uint8_t *)(th + 1),
			doff - TCP_HDR_MIN, seg, seg->flags & TH_SYN) != 0)) {
		st->tcp_drop_options++;
		return false;
	}
	seg->seq = rte_be_to_cpu_32(th->sent_seq);
	seg->ack = rte_be_to_cpu_32(th->recv_ack);
	seg->wnd = rte_be_to_cpu_16(th->rx_win);
	seg->len = tcp_len - doff;
	seg->seq_sent = seg->seq;
	seg->not_dupack = tcp_seg_seqlen(seg) != 0;
	key->rport = th->src_port;
	key->lport = th->dst_port;
	rte_pktmbuf_adj(m, (uint16_t)(m->l3_len + doff));
	seg->m = m;
	return true;
}

/*
 * Check and parse the segment in @m (data offset at the IPv4 header). On
 * success the data offset is moved to the payload. @return false if @m was
 * dropped (freed and counted).
 */
static bool
tcp_parse(struct tcp_worker *tw, struct rte_mbuf *m, struct tcp_seg *seg, struct tcp_key *key)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	uint32_t tcp_len = rte_pktmbuf_pkt_len(m) - m->l3_len, doff;
	const struct rte_tcp_hdr *th = tcp_hdr_check(tw, m, tcp_len, &doff);

	if (unlikely(th == NULL))
		goto drop;
	/* RFC 1122 §4.2.3.10: no TCP to a broadcast address (IPv4 input has
	 * already refused broadcast and multicast sources) */
	if (unlikely(!net_if_owns(tw->nif, ip->dst_addr) || ip->src_addr == 0)) {
		tw->stats->tcp_drop_bcast++;
		goto drop;
	}
	if (!tcp_seg_parse(tw, m, th, tcp_len, doff,
			net_cksum_pseudo(ip->src_addr, ip->dst_addr, IPPROTO_TCP, (uint16_t)tcp_len),
			seg, key))
		goto drop;
	key->raddr = ip->src_addr;
	key->laddr = ip->dst_addr;
	return true;
drop:
	/* who sends malformed segments, for the operator's log (core monitor) */
	tw->last_bad_src = ip->src_addr;
	rte_pktmbuf_free(m);
	return false;
}

/*
 * The same for a segment over IPv6 (data offset at the IPv6 header, l3_len
 * at the TCP header): IPv6 input took only our unicast addresses in use or
 * groups, and never :: as a TCP source. @key is the whole key's last part.
 */
static bool
tcp_parse6(struct tcp_worker *tw, struct rte_mbuf *m, struct tcp_seg *seg, struct tcp_key6 *k6)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint32_t tcp_len = rte_pktmbuf_pkt_len(m) - m->l3_len, doff;
	const struct rte_tcp_hdr *th = tcp_hdr_check(tw, m, tcp_len, &doff);

	if (unlikely(th == NULL))
		goto drop;
	/* a group is no TCP endpoint (RFC 9293 §3.9.1.1 for IPv4's broadcast) */
	if (unlikely(net_ip6_is_multicast(ip->dst_addr))) {
		tw->stats->tcp_drop_bcast++;
		goto drop;
	}
	memcpy(k6->raddr, ip->src_addr, NET_IP6_LEN);
	memcpy(k6->laddr, ip->dst_addr, NET_IP6_LEN);
	/* the pseudo-header sum only where a checksum is checked */
	if (!tcp_seg_parse(tw, m, th, tcp_len, doff,
			(tw->nif->offloads & TERN_NETDEV_L4_TRUSTED) ? 0 :
			net_ipv6_pseudo_sum(ip->src_addr, ip->dst_addr, IPPROTO_TCP, tcp_len),
			seg, &k6->k))
		goto drop;
	k6->k.laddr = 0;                /* tcp_key_is_ip6 */
	memcpy(&k6->k.raddr, &k6->raddr[12], sizeof(k6->k.raddr));
	return true;
drop:
	memcpy(&tw->last_bad_src, &ip->src_addr[12], sizeof(tw->last_bad_src));
	rte_pktmbuf_free(m);
	return false;
}

/* --- no connection -------------------------------------------------------- */

static void
tcp_closed_input(struct tcp_worker *tw, const struct tcp_key *key, struct tcp_seg *seg)
{
	/*
	 * An ACK alone that reached us through another worker's queue is an
	 * old duplicate, not a peer that lost its state: a device that moves a
	 * flow to our queue (net_tap does, at our first reply) leaves what the
	 * peer sent before on the old one, and it comes here after newer
	 * segments, possibly after the connection ended. Dropped, counted, not
	 * answered (a deviation from §3.10.7.1, docs/design.md): a RST would
	 * hit the peer's TIME_WAIT. Data, FIN and SYN still get the RST.
	 */
	if (seg->steered && seg->flags == TH_ACK && seg->len == 0) {
		tw->stats->tcp_drop_stale_steered++;
		rte_pktmbuf_free(seg->m);
		return;
	}
	/* RFC 9293 §3.10.7.1: CLOSED answers everything but a RST with a RST */
	tw->stats->tcp_drop_no_conn++;
	tcp_send_rst_for(tw, key, seg);
	rte_pktmbuf_free(seg->m);
}

/* Options of a SYN we answer: what both sides support (RFC 7323, RFC 2018). */
static void
tcp_take_syn_options(struct tcp_cb *tp, const struct tcp_seg *seg, bool offered_only)
{
	const struct tcp_params *p = &tp->tw->p;

	tp->peer_mss = seg->has_mss ? seg->mss : TCP_MSS_DEFAULT;
	if (seg->has_ts && (offered_only ? (tp->flags & TF_TS) != 0 : p->timestamps)) {
		tp->flags |= TF_TS;
		tp->ts_recent = seg->tsval;
		tp->ts_recent_age = tcp_paws_clock(tp->tw->nif->now_us);
	} else {
		tp->flags &= ~TF_TS;
	}
	if (seg->has_ws && (offered_only ? (tp->flags & TF_WSCALE) != 0 : p->window_scaling)) {
		tp->flags |= TF_WSCALE;
		tp->snd_wscale = seg->ws;
		tp->rcv_wscale = p->rcv_wscale;
	} else {
		tp->flags &= ~TF_WSCALE;
		tp->snd_wscale = 0;
		tp->rcv_wscale = 0;
	}
	if (seg->sack_ok && (offered_only ? (tp->flags & TF_SACK) != 0 : p->sack))
		tp->flags |= TF_SACK;
	else
		tp->flags &= ~TF_SACK;
	if (tp->rcv_wscale == 0 && tp->rcv_wnd > 65535)
		tp->rcv_wnd = 65535;
	tcp_set_mss(tp);
}

/* Memory nearly gone: new handshakes must not take any (RFC 4987 §3.6). */
static bool
tcp_tcbs_low(const struct tcp_worker *tw)
{
	return tw->n_tcb + tw->p.max_conns / 16 + 1 > tw->p.max_conns;
}

/* Counting a mempool walks every lcore cache: at most once a millisecond. */
static bool
tcp_mbufs_low(struct tcp_worker *tw)
{
	if (tw->nif->now_us >= tw->mbuf_check_us) {
		tw->mbuf_check_us = tw->nif->now_us + 1000;
		tw->mbufs_low = rte_mempool_avail_count(tw->nif->pool) < tw->nif->pool->size / 8;
	}
	return tw->mbufs_low;
}

/* A SYN-ACK with a cookie, no state kept (tcp_syncookie.c). */
static void
tcp_answer_with_cookie(struct tcp_worker *tw, const struct tcp_listener *l,
		const struct tcp_key *key, const struct tcp_seg *seg)
{
	uint16_t peer_mss = seg->has_mss ? seg->mss : TCP_MSS_DEFAULT;
	/* as tcp_mss_ours will have it once the connection is rebuilt */
	uint16_t mss = tcp_mss_capped(tcp_mss_for(tw, key), l->mss_cap);

	tw->last_cookie_us = tw->nif->now_us;
	/* the window offered is the listener's receive buffer, as the
	 * connection rebuilt from the cookie will have (tcp_syn_received_init) */
	tcp_send_cookie_synack(tw, key, seg,
			tcp_syncookie_make(tw, key, seg->seq, RTE_MIN(peer_mss, mss)), l->rcvbuf, mss);
}

/*
 * An ACK to a listener with no connection: the third segment of a cookie
 * handshake? Rebuild the connection in SYN_RECEIVED and let the ordinary
 * path take the ACK (accept, data, FIN). @return the new TCB or NULL.
 */
/* Cookies went out in the last three slots: a failed check may be one. */
static bool
tcp_cookies_recent(const struct tcp_worker *tw)
{
	return tw->last_cookie_us != 0 &&
			tw->nif->now_us - tw->last_cookie_us < (3ull << TCP_COOKIE_SLOT_SHIFT);
}

/*
 * What both ways into SYN-RECEIVED (a SYN at the listener, an ACK carrying a
 * SYN cookie) set up: the peer's ISN @p irs and ours @p iss (RFC 9293
 * §3.10.7.2), the timestamp offset, the listener's receive buffer, and a
 * place in @p l's SYN queue. The caller takes the options and enters the
 * state.
 */
static void
tcp_syn_received_init(struct tcp_cb *tp, struct tcp_listener *l, uint32_t irs, uint32_t iss)
{
	tp->rcvbuf = l->rcvbuf;
	tp->mss_cap = l->mss_cap;
	tp->irs = irs;
	tp->rcv_nxt = tp->rcv_adv = irs + 1;
	tp->iss = iss;
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->recover = iss;
	tp->ts_offset = tcp_ts_offset(tp->tw, &tp->key);
	tp->snd_wl1 = irs;
	tp->listener = l;
	l->syn_count++;
	tp->flags |= TF_PASSIVE;
}

static struct tcp_cb *
tcp_cookie_ack(struct tcp_worker *tw, struct tcp_listener *l, const struct tcp_key *key,
		const struct tcp_seg *seg, bool *bad)
{
	uint32_t irs = seg->seq - 1, iss = seg->ack - 1;
	struct tcp_cb *tp;
	uint16_t mss;
	bool ws_on = false, sack_on = false;
	uint8_t ws = 0;

	if (tw->p.syncookies == TERN_SYNCOOKIES_NEVER ||
			(seg->flags & (TH_SYN | TH_RST)) != 0 ||
			!tcp_syncookie_check(tw, key, irs, iss, &mss)) {
		*bad = tcp_cookies_recent(tw);
		if (*bad)
			tw->stats->tcp_syncookies_bad++;
		return NULL;
	}
	tp = tcp_cb_alloc(tw, key);
	if (tp == NULL) {
		tw->stats->tcp_conn_table_full++;
		return NULL;
	}
	tcp_syn_received_init(tp, l, irs, iss);
	tp->snd_nxt = tp->snd_max = iss + 1;    /* the SYN-ACK went out, statelessly */
	tp->flags |= TF_SYN_SENT | TF_COOKIE;
	tp->peer_mss = mss;
	if (seg->has_ts && seg->tsecr != 0 && tw->p.timestamps) {
		tcp_syncookie_ts_decode(seg->tsecr, &ws_on, &ws, &sack_on);
		tp->flags |= TF_TS;
		tp->ts_recent = seg->tsval;
		tp->ts_recent_age = tcp_paws_clock(tw->nif->now_us);
		if (ws_on && tw->p.window_scaling) {
			tp->flags |= TF_WSCALE;
			tp->snd_wscale = ws;
			tp->rcv_wscale = tw->p.rcv_wscale;
		}
		if (sack_on && tw->p.sack)
			tp->flags |= TF_SACK;
	}
	if (tp->rcv_wscale == 0 && tp->rcv_wnd > 65535)
		tp->rcv_wnd = 65535;
	tcp_set_mss(tp);
	tcp_set_state(tp, TERN_TCP_SYN_RECEIVED);
	tw->stats->tcp_syncookies_ok++;
	return tp;
}

static void tcp_segment(struct tcp_cb *tp, struct tcp_seg *seg);

/*
 * A segment for listener @l with no connection of its own; @t: the
 * TIME_WAIT record that holds the pair for a SYN that reuses it (RFC 6191),
 * else NULL. A new control block takes the record's place in the table
 * (tcp_cb_alloc_over); any other outcome frees the record, as the reuse
 * ends the TIME_WAIT.
 */
static void
tcp_listen_input(struct tcp_worker *tw, struct tcp_listener *l, const struct tcp_key *key,
		struct tcp_seg *seg, struct tcp_timewait *t)
{
	struct tcp_cb *tp;
	uint32_t iss_floor;

	/* RFC 9293 §3.10.7.2 */
	if (seg->flags & TH_RST)
		goto drop;
	if (seg->flags & TH_ACK) {
		bool bad = false;

		/* never with @t: only a SYN without ACK reuses a pair */
		RTE_ASSERT(t == NULL);
		tp = tcp_cookie_ack(tw, l, key, seg, &bad);
		if (tp != NULL) {
			tcp_segment(tp, seg);
		} else if (bad) {
			/* while cookies are out, a check that fails may be a later
			 * segment of a handshake whose third segment was lost (its
			 * sequence number no longer gives the peer's ISN): drop it,
			 * the peer resends that segment. A RST would kill a good
			 * connection. */
			rte_pktmbuf_free(seg->m);
		} else {
			tcp_closed_input(tw, key, seg);
		}
		return;
	}
	if (!(seg->flags & TH_SYN))
		goto drop;
	tw->stats->tcp_syn_rcvd++;
	/* RFC 4987 §3.6: a full SYN queue, or memory running out, is answered
	 * statelessly; "always" answers every SYN so. Without cookies a full
	 * queue or low mbufs drop the SYN (counted); a full table refuses it
	 * with RST below. */
	if (tw->p.syncookies == TERN_SYNCOOKIES_ALWAYS ||
			(tw->p.syncookies == TERN_SYNCOOKIES_AUTO &&
			 (l->syn_count >= tw->p.syn_backlog || tcp_tcbs_low(tw) || tcp_mbufs_low(tw)))) {
		tcp_answer_with_cookie(tw, l, key, seg);
		goto drop;
	}
	if (l->syn_count >= tw->p.syn_backlog) {
		tw->stats->tcp_syn_queue_full++;
		goto drop;
	}
	if (tcp_mbufs_low(tw)) {
		tw->stats->tcp_syn_overload_drop++;
		goto drop;
	}
	tp = tcp_cb_alloc_over(tw, key, t, &iss_floor);
	if (tp == NULL) {
		tw->stats->tcp_conn_table_full++;
		tcp_send_rst_for(tw, key, seg);
		goto drop;
	}
	t = NULL;       /* gone: its table entry is @tp's */
	tcp_syn_received_init(tp, l, seg->seq, tcp_iss(tw, key, iss_floor));
	tcp_take_syn_options(tp, seg, false);
	/* RFC 7323 §2.2: the window of a SYN is not scaled */
	tp->snd_wnd = seg->wnd;
	tp->max_sndwnd = seg->wnd;
	tcp_set_state(tp, TERN_TCP_SYN_RECEIVED);
	tcp_output_sched(tp);
	/* data on a SYN is not taken: rcv_nxt stays at the SYN, the peer resends */
drop:
	if (t != NULL)
		tcp_timewait_free(tw, t);
	rte_pktmbuf_free(seg->m);
}

/* --- TIME_WAIT --------------------------------------------------------------- */

static void
tcp_timewait_input(struct tcp_worker *tw, struct tcp_timewait *t, const struct tcp_key *key,
		struct tcp_seg *seg)
{
	if (seg->flags & TH_RST) {
		/* RFC 9293 §3.10.7.4 second: an exact RST ends TIME_WAIT */
		if (seg->seq == t->rcv_nxt)
			tcp_timewait_free(tw, t);
		rte_pktmbuf_free(seg->m);
		return;
	}
	if ((seg->flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		/* RFC 6191 §2 (and RFC 9293 MAY-2): a newer SYN reuses the pair */
		bool newer = (t->has_ts && seg->has_ts) ? seq_gt(seg->tsval, t->ts_recent) :
			seq_gt(seg->seq, t->rcv_nxt);
		struct tcp_listener *l = tw->listeners[rte_be_to_cpu_16(key->lport)];

		if (newer && l != NULL) {
			tw->stats->tcp_time_wait_reused++;
			tcp_listen_input(tw, l, key, seg, t);
			return;
		}
	}
	/* RFC 9293 §3.10.7.4 TIME-WAIT: a retransmission of the peer's FIN is
	 * acknowledged and the 2MSL wait restarts. An acceptable segment with
	 * nothing in it (a stray or duplicated ACK) needs no answer: answering
	 * it would start an ACK exchange between two TIME_WAIT ends. Anything
	 * else is unacceptable and gets the ACK (§3.10.7.4 first). */
	if ((seg->flags & TH_FIN) && seg->seq + seg->len + 1 == t->rcv_nxt) {
		/* the peer is still in LAST_ACK: our connect waits (tcp_claim_pair) */
		t->peer_seen_us = tw->nif->now_us;
		tcp_timewait_arm(tw, t);
		tcp_timewait_send_ack(tw, t);
	} else if (!(seg->seq == t->rcv_nxt && seg->len == 0 &&
			!(seg->flags & (TH_SYN | TH_FIN)))) {
		tcp_timewait_send_ack(tw, t);
	}
	rte_pktmbuf_free(seg->m);
}

/* --- SYN_SENT --------------------------------------------------------------- */

static void
tcp_syn_sent_input(struct tcp_cb *tp, struct tcp_seg *seg)
{
	struct tcp_worker *tw = tp->tw;
	bool ack_ok = false;

	/* RFC 9293 §3.10.7.3 first: the ACK must cover our SYN and no more */
	if (seg->flags & TH_ACK) {
		if (seq_leq(seg->ack, tp->iss) || seq_gt(seg->ack, tp->snd_max)) {
			tw->stats->tcp_drop_bad_ack++;
			tcp_send_rst_for(tw, &tp->key, seg);
			goto drop;
		}
		ack_ok = true;
	}
	/* second: RST only with an acceptable ACK (RFC 5961 §3.2 holds too) */
	if (seg->flags & TH_RST) {
		if (ack_ok) {
			tw->stats->tcp_rst_rcvd++;
			tcp_drop(tp, TERN_CLOSE_REFUSED);
		}
		goto drop;
	}
	if (!(seg->flags & TH_SYN))
		goto drop;
	/* fourth: the SYN */
	tp->irs = seg->seq;
	tp->rcv_nxt = tp->rcv_adv = seg->seq + 1;
	tcp_take_syn_options(tp, seg, true);
	tp->snd_wnd = seg->wnd;          /* not scaled in a SYN (RFC 7323 §2.2) */
	tp->max_sndwnd = seg->wnd;
	tp->snd_wl1 = seg->seq;
	if (ack_ok) {
		tp->snd_una = seg->ack;
		tp->snd_wl2 = seg->ack;
		tcp_timer_stop(tp, TT_REXMT);
		tcp_rtt_after_handshake(tp, seg);
		tcp_set_state(tp, TERN_TCP_ESTABLISHED);
		tw->stats->tcp_active_opens++;
		tcp_keep_arm(tp, tw->nif->now_us);
		tcp_ack_now(tp);
		if (tp->flags & TF_FIN_QUEUED)
			tcp_set_state(tp, TERN_TCP_FIN_WAIT_1);
		if (tp->ops != NULL && tp->ops->on_connected != NULL)
			tp->ops->on_connected(cb_conn(tp), tp->ops_arg);
	} else {
		/* simultaneous open: SYN,ACK with our ISS again */
		tcp_set_state(tp, TERN_TCP_SYN_RECEIVED);
		tp->snd_nxt = tp->iss;
		tcp_output_sched(tp);
	}
drop:
	rte_pktmbuf_free(seg->m);
}

/* --- synchronized states ------------------------------------------------------ */

/* RFC 9293 §3.10.7.4 first: the four cases of segment acceptability. */
static bool
tcp_seq_acceptable(const struct tcp_cb *tp, const struct tcp_seg *seg)
{
	uint32_t seglen = tcp_seg_seqlen(seg);
	uint32_t wnd = tp->rcv_wnd;

	if (seglen == 0) {
		if (wnd == 0)
			return seg->seq == tp->rcv_nxt;
		return seq_between(seg->seq, tp->rcv_nxt, tp->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return false;
	return seq_between(seg->seq, tp->rcv_nxt, tp->rcv_nxt + wnd) ||
		seq_between(seg->seq + seglen - 1, tp->rcv_nxt, tp->rcv_nxt + wnd);
}

/*
 * Whether @seg, which failed the acceptability test, is still read for its
 * ACK, with only what lies in the window kept (nothing at zero window, nor
 * of a duplicate) and its FIN dropped: an ACK segment, no RST or SYN, that
 * starts at or before RCV.NXT and ends at or past the RCV.NXT of our last
 * ACK (as Linux bounds it), or a probe in the form Linux sends at a zero
 * window and for keep-alive (no data, SEG.SEQ one before that RCV.NXT, so
 * that any receiver answers it). With RCV.WND zero, RFC 9293 §3.10.7.4 asks
 * that "special allowance should be made to accept valid ACKs"; a resend of
 * data we hold (the peer's loss probe) may carry the only ACK of our last
 * segment, which dropping it whole leaves to our RTO (BSD and Linux read a
 * duplicate's ACK too); and while our window is closed, the peer's probes
 * are all it sends: when the ACK that freed our send buffer was lost, only
 * a probe's ACK lets the data flow again before our backed-off RTO (100
 * Linux peers over a lossy tap: stalls of 25 s and more). The ACK is then
 * checked as any other (RFC 5961 §5.2); it is no duplicate ACK (it came with
 * data, RFC 5681 §2, or it is a probe, which tells nothing of a loss), and
 * its window counts only if its own SEG.SEQ is new (seg->seq_sent).
 */
static bool
tcp_seg_ack_readable(const struct tcp_cb *tp, const struct tcp_seg *seg)
{
	uint32_t last_acked = tp->rcv_adv - tp->rcv_wnd;   /* tcp_ack_sent */
	uint32_t seqlen = tcp_seg_seqlen(seg);

	if ((seg->flags & (TH_ACK | TH_RST | TH_SYN)) != TH_ACK || seq_gt(seg->seq, tp->rcv_nxt))
		return false;
	if (seqlen == 0 && seg->seq == last_acked - 1)
		/* a zero-window or keep-alive probe; none comes before the ACK
		 * that completes the handshake, which must be acceptable */
		return tp->state != TERN_TCP_SYN_RECEIVED;
	return seq_geq(seg->seq + seqlen, last_acked);
}

/* Cut what lies before RCV.NXT or past the window off @seg. */
static void
tcp_trim_to_window(struct tcp_cb *tp, struct tcp_seg *seg)
{
	uint32_t wend = tp->rcv_nxt + tp->rcv_wnd;

	if (seq_lt(seg->seq, tp->rcv_nxt)) {
		uint32_t d = tp->rcv_nxt - seg->seq;

		if (seg->flags & TH_SYN) {
			seg->flags &= ~TH_SYN;
			seg->seq++;
			d--;
		}
		if (d > seg->len || (d == seg->len && d != 0 && !(seg->flags & TH_FIN))) {
			/* all duplicate (a FIN before RCV.NXT included) */
			if (d > seg->len)
				seg->flags &= ~TH_FIN;
			d = seg->len;
		}
		if (d != 0 || seq_lt(seg->seq, tp->rcv_nxt)) {
			/* RFC 5681 §4.2: duplicate data (or a duplicate FIN): ACK now */
			tern_mbuf_cut_front(seg->m, d);
			seg->len -= d;
			seg->seq += d;
			tp->tw->stats->tcp_rx_dup_segs += seg->len == 0;
			tp->flags |= TF_ACKNOW;
			tcp_output_sched(tp);
		}
	}
	if (seq_gt(seg->seq + seg->len, wend)) {
		uint32_t cut = seg->seq + seg->len - wend;

		if (cut > seg->len)
			cut = seg->len;
		tern_mbuf_cut_back(seg->m, cut);
		seg->len -= cut;
		seg->flags &= ~TH_FIN;
		tp->flags |= TF_ACKNOW;
	}
}

static void
tcp_rst_input(struct tcp_cb *tp, const struct tcp_seg *seg)
{
	/* RFC 5961 §3.2: only an exact RST resets; one in the window is challenged */
	if (seg->seq != tp->rcv_nxt) {
		tcp_challenge_ack(tp);
		return;
	}
	tp->tw->stats->tcp_rst_rcvd++;
	switch (tp->state) {
	case TERN_TCP_SYN_RECEIVED:
		/* passive: back to LISTEN (the listener stays, this TCB goes);
		 * active (simultaneous open): refused */
		tcp_drop(tp, (tp->flags & TF_PASSIVE) ? TERN_CLOSE_RESET : TERN_CLOSE_REFUSED);
		break;
	default:
		tcp_drop(tp, TERN_CLOSE_RESET);
		break;
	}
}

/* SYN_RECEIVED -> ESTABLISHED on an acceptable ACK. @return false if @tp died. */
static bool
tcp_established(struct tcp_cb *tp, const struct tcp_seg *seg)
{
	struct tcp_worker *tw = tp->tw;
	struct tcp_listener *l = tp->listener;

	tp->snd_una = seg->ack;
	/* a retransmitted SYN earlier in this burst may have wound SND.NXT back
	 * to ISS for a SYN-ACK resend (simulator mixed/short/9731) */
	if (seq_lt(tp->snd_nxt, tp->snd_una))
		tp->snd_nxt = tp->snd_una;
	tp->snd_wnd = seg->wnd << tp->snd_wscale;
	tp->max_sndwnd = RTE_MAX(tp->max_sndwnd, tp->snd_wnd);
	tp->snd_wl1 = seg->seq_sent;
	tp->snd_wl2 = seg->ack;
	tcp_timer_stop(tp, TT_REXMT);
	tcp_rtt_after_handshake(tp, seg);
	tcp_set_state(tp, TERN_TCP_ESTABLISHED);
	tcp_keep_arm(tp, tw->nif->now_us);
	if (tp->flags & TF_PASSIVE) {
		l->syn_count--;
		tp->listener = NULL;
		tw->stats->tcp_passive_opens++;
		l->accepted++;
		if (l->on_accept(cb_conn(tp), l->arg) != 0) {
			tw->stats->tcp_conn_refused++;
			tcp_send_rst(tp);
			tcp_drop(tp, TERN_CLOSE_ABORTED);
			return false;
		}
		tp->flags |= TF_APP_KNOWS;
	} else {
		tw->stats->tcp_active_opens++;
		if (tp->ops != NULL && tp->ops->on_connected != NULL)
			tp->ops->on_connected(cb_conn(tp), tp->ops_arg);
	}
	if (tp->flags & TF_DEAD)
		return false;
	if (tp->flags & TF_FIN_QUEUED)
		tcp_set_state(tp, TERN_TCP_FIN_WAIT_1);
	tcp_output_sched(tp);
	return true;
}

/*
 * RFC 9293 §3.10.7.4 fifth, for the synchronized states. @return false if
 * the segment is finished with (@tp may be dead).
 */
static bool
tcp_ack_input(struct tcp_cb *tp, const struct tcp_seg *seg)
{
	struct tcp_worker *tw = tp->tw;
	uint32_t wnd = seg->wnd << tp->snd_wscale;
	uint32_t acked, data_acked;
	bool fin_acked, sack_grew;

	/* RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT] */
	if (seq_gt(seg->ack, tp->snd_max)) {
		tw->stats->tcp_drop_bad_ack++;
		tcp_ack_now(tp);
		return false;
	}
	if (seq_lt(seg->ack, tp->snd_una - tp->max_sndwnd)) {
		tcp_challenge_ack(tp);
		return false;
	}
	sack_grew = (tp->flags & TF_SACK) && seg->nsack != 0 && tcp_sack_update(tp, seg);
	if (seq_leq(seg->ack, tp->snd_una)) {
		/* old or duplicate; a pure duplicate may mean a loss (RFC 5681 §2;
		 * RFC 6675 §2: with SACK, an ACK that reports new SACKed data).
		 * Answers to zero-window probes are not: nothing was lost */
		if (seg->ack == tp->snd_una && tp->snd_max != tp->snd_una && wnd != 0 &&
				(sack_grew || (!seg->not_dupack && wnd == tp->snd_wnd)))
			tcp_cc_dupack(tp);
		else if (seg->ack != tp->snd_una || seg->len != 0)
			tp->dupacks = 0;
	} else {
		acked = seg->ack - tp->snd_una;
		data_acked = RTE_MIN(acked, tp->sndq_bytes);
		fin_acked = (tp->flags & TF_FIN_SENT) && seg->ack == tp->snd_max;
		if (tp->flags & TF_TS)
			tcp_rtt_from_ts(tp, seg);
		else if ((tp->flags & TF_RTT_TIMING) && seq_gt(seg->ack, tp->rtt_seq)) {
			tp->flags &= ~TF_RTT_TIMING;
			tcp_rtt_sample(tp, (uint32_t)tw->nif->now_us - tp->rtt_start_lo);
		}
		tp->rexmt_shift = 0;
		tcp_progress(tp);
		tp->soft_error = 0;     /* the path works again (RFC 1122 4.2.3.9) */
		/* before SND.UNA moves: a reduction is sized by the flight then */
		if ((tp->flags & TF_TLP_OUT) && seq_geq(seg->ack, tp->tlp_high_seq))
			tcp_cc_tlp_done(tp);
		tcp_sndq_drop_acked(tp, data_acked);
		if (unlikely(seg->ack - tp->iss < tp->snd_una - tp->iss))
			tp->snd_wraps++;
		tp->snd_una = seg->ack;
		if (seq_lt(tp->snd_nxt, tp->snd_una))
			tp->snd_nxt = tp->snd_una;
		tcp_sack_prune(tp);
		tcp_cc_ack(tp, acked);
		/* RFC 6298 (5.2), (5.3) */
		if (tp->snd_una == tp->snd_max)
			tcp_timer_stop(tp, TT_REXMT);
		else
			tcp_rexmt_arm(tp);
		tcp_output_sched(tp);
		if (data_acked != 0 && !(tp->flags & TF_APP_CLOSED) && tp->ops != NULL &&
				tp->ops->on_sent != NULL) {
			tp->ops->on_sent(cb_conn(tp), data_acked, tp->ops_arg);
			if (tp->flags & TF_DEAD)
				return false;
		}
		if (fin_acked) {
			switch (tp->state) {
			case TERN_TCP_FIN_WAIT_1:
				tcp_set_state(tp, TERN_TCP_FIN_WAIT_2);
				if (tp->flags & TF_APP_CLOSED)
					tcp_timer_set(tp, TT_FIN_WAIT_2,
							tw->nif->now_us + tw->p.fin_wait_2_us);
				break;
			case TERN_TCP_CLOSING:
				/* the ACK of the peer's FIN may still be owed: its
				 * FIN and this ACK came in one burst, and the output
				 * pass that would have sent it comes after the
				 * control block is gone (seen in the simulator:
				 * the peer resent its FIN after an RTO) */
				tcp_enter_time_wait(tp, (tp->flags & (TF_ACKNOW | TF_DELACK)) != 0);
				return false;
			case TERN_TCP_LAST_ACK:
				tcp_drop(tp, TERN_CLOSE_NORMAL);
				return false;
			default:
				break;
			}
		}
	}
	/* window update: only from a newer segment (SND.WL1, SND.WL2) */
	if (seq_lt(tp->snd_wl1, seg->seq_sent) ||
			(tp->snd_wl1 == seg->seq_sent && seq_leq(tp->snd_wl2, seg->ack))) {
		if (wnd > tp->snd_wnd)
			tcp_output_sched(tp);
		tp->snd_wnd = wnd;
		tp->snd_wl1 = seg->seq_sent;
		tp->snd_wl2 = seg->ack;
		tp->max_sndwnd = RTE_MAX(tp->max_sndwnd, wnd);
		if (wnd != 0 && tp->deadline[TT_PERSIST] != UINT64_MAX) {
			/* the window opened: leave persist, and send again from
			 * SND.UNA (the probe octet included, if it was not taken) */
			tcp_timer_stop(tp, TT_PERSIST);
			tcp_progress(tp);
			tp->snd_nxt = tp->snd_una;
		}
		/* a window that opens ends a persist episode, running or not:
		 * the next starts its backoff (and user timeout) afresh */
		if (wnd != 0 && tp->persist_shift != 0)
			tp->persist_shift = 0;
	}
	return true;
}

/* RFC 9293 §3.10.7.4 seventh: in-order data up, the rest to reassembly. */
static void
tcp_data_input(struct tcp_cb *tp, struct tcp_seg *seg)
{
	struct tern_stats *st = tp->tw->stats;
	struct rte_mbuf *m = seg->m;
	bool fin = seg->flags & TH_FIN;

	seg->m = NULL;
	if (seg->len != 0)
		st->tcp_rx_data_segs++;
	if (seg->seq != tp->rcv_nxt) {
		/* out of order: hold it and send a duplicate ACK for this very
		 * segment, not one per burst (RFC 5681 §4.2, RFC 9293 MUST-58):
		 * the sender counts duplicate ACKs to detect the loss */
		tern_mbuf_meta(m)->seq = seg->seq;
		if (seg->len != 0 || fin)
			tcp_reass_insert(tp, m, fin);
		else
			rte_pktmbuf_free(m);
		tcp_send_ack_now(tp);
		return;
	}
	if (seg->len != 0) {
		bool filled_hole = tp->reass.len != 0;

		/* RFC 9293 MUST-40 / RFC 5681 §4.2: ACK every second full segment,
		 * otherwise at most delack_ms later; the output pass sends it once
		 * for the whole burst, on the reply if the app wrote one. A
		 * segment of several MSS (coalesced by LRO/GRO on the way) counts
		 * as that many full segments. */
		if (seg->len >= tp->seg_max) {
			uint32_t full = seg->len / tp->seg_max;

			tp->segs_unacked = (uint16_t)RTE_MIN(tp->segs_unacked + full, 2u);
			if (tp->segs_unacked >= 2)
				tp->flags |= TF_ACKNOW;
		}
		tcp_deliver(tp, m, seg->len);
		if (tp->flags & TF_DEAD)
			return;
		if (filled_hole) {
			tcp_reass_deliver(tp);
			tp->flags |= TF_ACKNOW;
		}
		if (tp->flags & TF_DEAD)
			return;
		/* else it may wait: the output pass starts the delayed-ACK timer
		 * only if no reply carried it (tcp_output), so a request answered
		 * in its callback never touches the timer */
		if (!(tp->flags & TF_ACKNOW))
			tp->flags |= TF_DELACK;
		tcp_output_sched(tp);
	} else {
		rte_pktmbuf_free(m);
	}
	if (fin && !(tp->flags & TF_DEAD))
		tcp_fin_received(tp);
}

static void
tcp_segment(struct tcp_cb *tp, struct tcp_seg *seg)
{
	struct tcp_worker *tw = tp->tw;

	if (tp->state == TERN_TCP_SYN_SENT) {
		tcp_syn_sent_input(tp, seg);
		return;
	}
	tp->last_rcv_us = tw->nif->now_us;
	tp->keep_probes = 0;
	/* RFC 7323 §5.3 R1: PAWS */
	if ((tp->flags & TF_TS) && seg->has_ts && !(seg->flags & TH_RST) &&
			seq_lt(seg->tsval, tp->ts_recent) &&
			tcp_paws_clock(tw->nif->now_us) - tp->ts_recent_age < PAWS_IDLE) {
		tw->stats->tcp_drop_paws++;
		tcp_ack_now(tp);
		goto drop;
	}
	/* RFC 9293 Figure 8 (simultaneous open): in SYN_RECEIVED the peer's
	 * SYN,ACK <SEQ=IRS><ACK=ISS+1> crosses ours: its SYN is old news, its
	 * ACK completes the handshake */
	if (tp->state == TERN_TCP_SYN_RECEIVED &&
			(seg->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && seg->seq == tp->irs) {
		seg->flags &= ~TH_SYN;
		seg->seq++;
	}
	/* a retransmitted SYN in SYN_RECEIVED: our SYN-ACK was lost */
	if (tp->state == TERN_TCP_SYN_RECEIVED && (seg->flags & (TH_SYN | TH_ACK)) == TH_SYN &&
			seg->seq == tp->irs) {
		tp->snd_nxt = tp->iss;
		tcp_output_sched(tp);
		goto drop;
	}
	if (!tcp_seq_acceptable(tp, seg)) {
		tw->stats->tcp_drop_unacceptable++;
		if (!(seg->flags & TH_RST))
			tcp_ack_now(tp);
		if (!tcp_seg_ack_readable(tp, seg))
			goto drop;
		/* its ACK is read; the trim below keeps what lies in the window */
		seg->flags &= ~TH_FIN;
		seg->not_dupack = 1;
	}
	tcp_trim_to_window(tp, seg);
	if (seg->flags & TH_RST) {
		tcp_rst_input(tp, seg);
		goto drop;
	}
	if (seg->flags & TH_SYN) {
		/* RFC 5961 §4.2: a SYN in a synchronized state is challenged */
		tcp_challenge_ack(tp);
		goto drop;
	}
	if (!(seg->flags & TH_ACK)) {
		tw->stats->tcp_drop_state++;
		goto drop;
	}
	if (tp->state == TERN_TCP_SYN_RECEIVED) {
		if (!seq_between(seg->ack, tp->snd_una + 1, tp->snd_max + 1)) {
			tw->stats->tcp_drop_bad_ack++;
			tcp_send_rst_for(tw, &tp->key, seg);
			goto drop;
		}
		if (!tcp_established(tp, seg))
			goto drop;
	} else if (!tcp_ack_input(tp, seg)) {
		goto drop;
	}
	/* RFC 7323 §4.3: remember the newest in-sequence TSval */
	if ((tp->flags & TF_TS) && seg->has_ts && seq_leq(seg->seq, tp->rcv_nxt) &&
			seq_geq(seg->tsval, tp->ts_recent)) {
		tp->ts_recent = seg->tsval;
		tp->ts_recent_age = tcp_paws_clock(tw->nif->now_us);
	}
	switch (tp->state) {
	case TERN_TCP_ESTABLISHED:
	case TERN_TCP_FIN_WAIT_1:
	case TERN_TCP_FIN_WAIT_2:
		if (seg->len != 0 || (seg->flags & TH_FIN)) {
			tcp_data_input(tp, seg);
			return;
		}
		break;
	default:
		/* CLOSE_WAIT, CLOSING, LAST_ACK: the peer's FIN is in; a FIN
		 * again is a retransmission and gets its ACK */
		if (seg->flags & TH_FIN)
			tcp_fin_received(tp);
		break;
	}
drop:
	if (seg->m != NULL)
		rte_pktmbuf_free(seg->m);
}

/* --- the burst ------------------------------------------------------------------ */

/*
 * Segment @seg on @key to what the table holds for it (@data: a control
 * block, a TIME_WAIT record | TW_TAG, or NULL), else to its listener.
 */
static void
tcp_seg_dispatch(struct tcp_worker *tw, void *data, const struct tcp_key *key,
		struct tcp_seg *seg)
{
	if (data == NULL) {
		struct tcp_listener *l = tw->listeners[rte_be_to_cpu_16(key->lport)];

		if (l != NULL)
			tcp_listen_input(tw, l, key, seg, NULL);
		else
			tcp_closed_input(tw, key, seg);
	} else if ((uintptr_t)data & TW_TAG) {
		tcp_timewait_input(tw, (struct tcp_timewait *)((uintptr_t)data & ~TW_TAG), key, seg);
	} else {
		((struct tcp_cb *)data)->segs_in++;
		tcp_segment(data, seg);
		tcp_conn_check_invariants(data);
	}
}

/*
 * Ask for the lines of what the table holds for a segment (@data: a control
 * block, or a TIME_WAIT record | TW_TAG) that its processing reads, while
 * the segment before it is still at work: the blocks of a burst's
 * connections are cold, and a segment used to wait on each of their lines
 * in turn (echo, 256 connections: 8% of the server's TCP time).
 */
static inline void
tcp_conn_prefetch(const void *data)
{
	const char *p = (const char *)((uintptr_t)data & ~TW_TAG);
	size_t len = ((uintptr_t)data & TW_TAG) ? sizeof(struct tcp_timewait) : TCP_CB_HOT_BYTES;

	for (size_t off = 0; off < len; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0(p + off);
}

/*
 * The parsed segments @segs (keys @keys) of a burst, in order: one bulk
 * lookup, then each to its control block, TIME_WAIT record or listener.
 */
static void
tcp_input_segs(struct tcp_worker *tw, struct tcp_seg *segs, struct tcp_key *keys, uint16_t k)
{
	const void *kp[NET_BURST_MAX];
	void *found[NET_BURST_MAX];
	uint64_t hits = 0;

	if (k == 0)
		return;
	for (uint16_t i = 0; i < k; i++)
		kp[i] = &keys[i];
	rte_hash_lookup_bulk_data(tw->conns, kp, k, &hits, found);
	tcp_table_watch(tw);
	if (hits & 1)
		tcp_conn_prefetch(found[0]);
	for (uint16_t i = 0; i < k; i++) {
		void *data = (hits >> i) & 1 ? found[i] : NULL;

		if ((hits >> (i + 1)) & 1)
			tcp_conn_prefetch(found[i + 1]);

		/* an earlier segment of this burst changed this key's entry
		 * (opened, closed, into TIME_WAIT): look again */
		if (tcp_table_changed(tw, &keys[i]) &&
				rte_hash_lookup_data(tw->conns, &keys[i], &data) < 0)
			data = NULL;
		tcp_seg_dispatch(tw, data, &keys[i], &segs[i]);
	}
}

/* A segment over IPv6: looked up alone in the IPv6 table (tcp_parse6). */
static void
tcp_input_seg6(struct tcp_worker *tw, struct rte_mbuf *m, bool steered)
{
	struct tcp_key6 k6;
	struct tcp_seg seg;

	if (!tcp_parse6(tw, m, &seg, &k6))
		return;
	seg.steered = steered;
	tcp_seg_dispatch(tw, tcp_table_lookup(tw, &k6.k), &k6.k, &seg);
}

void
tcp_input_burst(struct tcp_worker *tw, struct rte_mbuf **pkts, uint16_t n, bool steered)
{
	struct tcp_seg segs[NET_BURST_MAX];
	struct tcp_key keys[NET_BURST_MAX];
	uint16_t k = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (unlikely(net_is_icmp_error(pkts[i]))) {
			/* after the segments before it: an ACK there may have
			 * taken the quoted sequence out of flight (RFC 5927) */
			tcp_input_segs(tw, segs, keys, k);
			k = 0;
			tcp_icmp_input(tw, pkts[i]);
			continue;
		}
		if (net_is_tcp6(pkts[i])) {
			/* in its place in the burst, as an ICMP error */
			tcp_input_segs(tw, segs, keys, k);
			k = 0;
			tcp_input_seg6(tw, pkts[i], steered);
			continue;
		}
		if (tcp_parse(tw, pkts[i], &segs[k], &keys[k])) {
			segs[k].steered = steered;
			k++;
		}
	}
	tcp_input_segs(tw, segs, keys, k);
}
