/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP engine's invariants, checked where TERN_ASSERTS is defined (the
 * sanitizer and fuzz builds; tern_assert.h). A plain build compiles none of
 * this: tcp_priv.h turns the calls into nothing.
 *
 * A control block, after input, output or a timer is done with it:
 *   - sequence space (RFC 9293 §3.3.1, compared as in §3.4):
 *     SND.UNA <= SND.NXT <= SND.MAX, and what is in flight is what the send
 *     queue holds plus our SYN and FIN;
 *   - the send queue: its buffers hold exactly snd_head_off + sndq_bytes
 *     bytes, the count and tail are right, the head's acknowledged front is
 *     shorter than the head, the read cursor is one of its buffers;
 *   - reassembly: sorted, non-empty, non-overlapping segments, all above
 *     RCV.NXT (else they would have been delivered) and within the window
 *     input accepts, their bytes and count as counted, a FIN only on the
 *     last, and none once the peer's FIN is in;
 *   - the output list: only live control blocks, flagged TF_OUTQ;
 *   - timers: the wheel node armed at or before the earliest deadline; a
 *     retransmission timer only with something in flight and, with
 *     something in flight, a retransmission or persist timer to resend it
 *     (or an output pass to come, which arms one);
 *     FIN_WAIT_2's timer only in that state; a dead block holds none.
 * A TIME_WAIT record always has its 2MSL expiry armed.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_hash.h>

#include "tcp_priv.h"

#ifdef TERN_ASSERTS

static bool
tcp_state_synchronized(uint8_t state)
{
	return state >= TERN_TCP_ESTABLISHED && state != TERN_TCP_TIME_WAIT;
}

static void
tcp_check_seq(const struct tcp_cb *tp)
{
	uint32_t flight = tp->snd_max - tp->snd_una;
	uint32_t ctl;

	TERN_ASSERT(seq_leq(tp->snd_una, tp->snd_nxt) && seq_leq(tp->snd_nxt, tp->snd_max),
			"una %u nxt %u max %u (state %u)", tp->snd_una, tp->snd_nxt, tp->snd_max,
			tp->state);
	if (tp->state == TERN_TCP_SYN_SENT || tp->state == TERN_TCP_SYN_RECEIVED) {
		TERN_ASSERT(tp->snd_una == tp->iss && flight <= 1,
				"handshake: iss %u una %u max %u", tp->iss, tp->snd_una, tp->snd_max);
		return;
	}
	/* synchronized: the SYN is acknowledged; the flight is queued data
	 * (a zero-window probe octet included) and our FIN */
	ctl = !!(tp->flags & TF_FIN_SENT);
	TERN_ASSERT(flight <= tp->sndq_bytes + ctl, "flight %u > queued %u + FIN %u (state %u)",
			flight, tp->sndq_bytes, ctl, tp->state);
	TERN_ASSERT(!(tp->flags & TF_FIN_SENT) || (tp->flags & TF_FIN_QUEUED),
			"FIN sent but never queued");
}

static void
tcp_check_sndq(const struct tcp_cb *tp)
{
	const struct tern_mbufq *q = &tp->sndq;
	struct rte_mbuf *m, *last = NULL;
	uint64_t bytes = 0;
	uint32_t n = 0;
	bool cur_found = tp->snd_cur == NULL;

	for (m = q->head; m != NULL; m = *tern_mbufq_link(m)) {
		bytes += rte_pktmbuf_pkt_len(m);
		n++;
		last = m;
		if (m == tp->snd_cur)
			cur_found = true;
		TERN_ASSERT(n <= q->len, "send queue longer than its count %u", q->len);
	}
	TERN_ASSERT(n == q->len && last == q->tail, "send queue: %u buffers, count %u", n, q->len);
	TERN_ASSERT(bytes == (uint64_t)tp->snd_head_off + tp->sndq_bytes,
			"send queue holds %" PRIu64 " bytes, accounted %u + %u acked", bytes,
			tp->sndq_bytes, tp->snd_head_off);
	TERN_ASSERT(q->head == NULL || tp->snd_head_off < rte_pktmbuf_pkt_len(q->head),
			"acked front %u of a head of %u", tp->snd_head_off,
			rte_pktmbuf_pkt_len(q->head));
	TERN_ASSERT(cur_found, "send cursor is not on the send queue");
}

static void
tcp_check_reass(const struct tcp_cb *tp)
{
	const struct tern_mbufq *q = &tp->reass;
	struct rte_mbuf *m, *last = NULL;
	uint64_t bytes = 0;
	uint32_t n = 0, prev_end = tp->rcv_nxt;
	uint32_t wend = tp->rcv_nxt + RTE_MAX(tp->rcv_wnd, tp->tw->p.rcvbuf);

	for (m = q->head; m != NULL; m = *tern_mbufq_link(m)) {
		uint32_t seq = tern_mbuf_meta(m)->seq, len = rte_pktmbuf_pkt_len(m);

		TERN_ASSERT(n < q->len, "reassembly queue longer than its count %u", q->len);
		TERN_ASSERT(len != 0 || (tern_mbuf_meta(m)->flags & TERN_MBUF_FIN),
				"empty out-of-order segment at %u", seq);
		/* the first lies past RCV.NXT, each past the one before */
		TERN_ASSERT(n == 0 ? seq_gt(seq, prev_end) : seq_geq(seq, prev_end),
				"out-of-order segment %u (+%u) at or below %u (rcv_nxt %u)", seq, len,
				prev_end, tp->rcv_nxt);
		TERN_ASSERT(seq_leq(seq + len, wend), "out-of-order segment %u+%u past %u",
				seq, len, wend);
		TERN_ASSERT(!(tern_mbuf_meta(m)->flags & TERN_MBUF_FIN) || m == q->tail,
				"out-of-order data past the peer's FIN at %u", seq + len);
		prev_end = seq + len;
		bytes += len;
		n++;
		last = m;
	}
	TERN_ASSERT(n == q->len && last == q->tail, "reassembly: %u segments, count %u", n,
			q->len);
	TERN_ASSERT(bytes == tp->reass_bytes, "reassembly holds %" PRIu64 " bytes, counted %u",
			bytes, tp->reass_bytes);
	TERN_ASSERT(n <= tp->tw->p.reass_max, "reassembly holds %u segments, max %u", n,
			tp->tw->p.reass_max);
	TERN_ASSERT(n == 0 || !(tp->flags & TF_RCVD_FIN), "out-of-order data after the FIN");
}

static void
tcp_check_timers(const struct tcp_cb *tp)
{
	const struct tern_wheel *w = tp->tw->wheel;
	uint64_t min = UINT64_MAX;

	for (int i = 0; i < TT_N; i++)
		min = RTE_MIN(min, tp->deadline[i]);
	if (min != UINT64_MAX)
		/* the node fires early at worst (tcp_timer.c), never late */
		TERN_ASSERT(tern_wheel_armed(&tp->tmo) &&
				tp->tmo.expire <= RTE_MAX(min, tern_wheel_now(w) + 1),
				"earliest deadline %" PRIu64 ", node %s at %" PRIu64, min,
				tern_wheel_armed(&tp->tmo) ? "armed" : "off", tp->tmo.expire);
	if (tp->deadline[TT_REXMT] != UINT64_MAX)
		TERN_ASSERT(tp->snd_una != tp->snd_max,
				"retransmission timer with nothing in flight (state %u)", tp->state);
	/* an RTO winds SND.NXT back and leaves the resend (which re-arms) to
	 * the output pass: on the output list counts as armed */
	if (tp->snd_una != tp->snd_max)
		TERN_ASSERT(tp->deadline[TT_REXMT] != UINT64_MAX ||
				tp->deadline[TT_PERSIST] != UINT64_MAX || (tp->flags & TF_OUTQ),
				"%u in flight and no timer to resend it (state %u, nxt - una %u, "
				"wnd %u, queued %u, flags %#x)", tp->snd_max - tp->snd_una,
				tp->state, tp->snd_nxt - tp->snd_una, tp->snd_wnd, tp->sndq_bytes,
				tp->flags);
	/* the shared slot: FIN_WAIT_2's limit, or a cork's ceiling before our FIN */
	if (tp->deadline[TT_FIN_WAIT_2] != UINT64_MAX && tp->state != TERN_TCP_FIN_WAIT_2)
		TERN_ASSERT((tp->flags & (TF_CORK | TF_MORE | TF_PUSH)) && !(tp->flags & TF_FIN_SENT),
				"FIN_WAIT_2 or cork timer in state %u, flags %#x", tp->state,
				tp->flags);
}

void
tcp_conn_check_invariants(const struct tcp_cb *tp)
{
	if (tp->flags & TF_DEAD) {
		/* retired: nothing of it is left anywhere but the reap list */
		TERN_ASSERT(!(tp->flags & TF_OUTQ), "dead connection on the output list");
		TERN_ASSERT(!tern_wheel_armed(&tp->tmo), "dead connection with a timer");
		TERN_ASSERT(tp->sndq.len == 0 && tp->reass.len == 0 && tp->sndq_bytes == 0 &&
				tp->reass_bytes == 0, "dead connection holds mbufs");
		TERN_ASSERT(tp->state == TERN_TCP_CLOSED, "dead connection in state %u", tp->state);
		return;
	}
	TERN_ASSERT(tp->state > TERN_TCP_LISTEN && tp->state < TERN_TCP_TIME_WAIT,
			"live control block in state %u", tp->state);
	TERN_ASSERT(!(tp->flags & TF_RCVD_FIN) || tcp_state_synchronized(tp->state),
			"FIN received in state %u", tp->state);
	tcp_check_seq(tp);
	tcp_check_sndq(tp);
	tcp_check_reass(tp);
	tcp_check_timers(tp);
}

/* One entry of a connection table, keyed by @tkey (a tcp_key6 in the IPv6 one). */
static void
tcp_check_entry(struct tcp_worker *tw, const void *tkey, bool ip6, void *data, uint32_t *n_tcb,
		uint32_t *n_outq)
{
	const struct tcp_key *key = ip6 ? &((const struct tcp_key6 *)tkey)->k : tkey;

	TERN_ASSERT(tcp_key_is_ip6(key) == ip6, "key of one family in the other's table");
	if (ip6)
		TERN_ASSERT(memcmp(tcp_key6_of(((uintptr_t)data & TW_TAG) ?
				&((const struct tcp_timewait *)((uintptr_t)data & ~TW_TAG))->key :
				&((const struct tcp_cb *)data)->key), tkey,
				sizeof(struct tcp_key6)) == 0, "IPv6 addresses in front of the key");
	if ((uintptr_t)data & TW_TAG) {
		const struct tcp_timewait *t = (const void *)((uintptr_t)data & ~TW_TAG);

		TERN_ASSERT(memcmp(&t->key, key, sizeof(*key)) == 0, "TIME_WAIT record's key");
		TERN_ASSERT(tern_wheel_armed(&t->tmo), "TIME_WAIT record without its 2MSL timer");
		return;
	}
	const struct tcp_cb *tp = data;

	TERN_ASSERT(memcmp(&tp->key, key, sizeof(*key)) == 0, "control block's key");
	TERN_ASSERT(!(tp->flags & TF_DEAD), "dead control block in the table");
	TERN_ASSERT(tp->tw == tw, "control block of another worker");
	tcp_conn_check_invariants(tp);
	(*n_tcb)++;
	*n_outq += !!(tp->flags & TF_OUTQ);
}

void
tcp_worker_check_invariants(struct tcp_worker *tw)
{
	const struct tcp_cb *tp;
	const struct tcp_timewait *t;
	uint32_t iter = 0, n_tcb = 0, n_outq = 0, n_list = 0, n_tw = 0, n_reap = 0, sum = 0;
	const void *key;
	void *data;

	while (rte_hash_iterate(tw->conns, &key, &data, &iter) >= 0)
		tcp_check_entry(tw, key, false, data, &n_tcb, &n_outq);
	for (iter = 0; tw->conns6 != NULL &&
			rte_hash_iterate(tw->conns6, &key, &data, &iter) >= 0;)
		tcp_check_entry(tw, key, true, data, &n_tcb, &n_outq);
	TAILQ_FOREACH(tp, &tw->outq, out_link) {
		TERN_ASSERT((tp->flags & (TF_OUTQ | TF_DEAD)) == TF_OUTQ,
				"output list holds a control block with flags %#x", tp->flags);
		n_list++;
	}
	TERN_ASSERT(n_list == n_outq, "output list of %u, %u flagged in the table", n_list,
			n_outq);
	TAILQ_FOREACH(tp, &tw->reapq, out_link) {
		TERN_ASSERT(tp->flags & TF_DEAD, "live control block on the reap list");
		tcp_conn_check_invariants(tp);
		n_reap++;
	}
	TAILQ_FOREACH(t, &tw->twq, link) {
		TERN_ASSERT(tern_wheel_armed(&t->tmo), "TIME_WAIT record without its 2MSL timer");
		n_tw++;
	}
	TERN_ASSERT(n_tw == tw->n_tw && n_tw == tw->state_count[TERN_TCP_TIME_WAIT],
			"TIME_WAIT records: %u listed, %u counted, %u by state", n_tw, tw->n_tw,
			tw->state_count[TERN_TCP_TIME_WAIT]);
	TERN_ASSERT(n_tcb + n_reap == tw->n_tcb, "control blocks: %u live + %u dead, %u counted",
			n_tcb, n_reap, tw->n_tcb);
	for (int s = 0; s < TERN_TCP_TIME_WAIT; s++)
		sum += tw->state_count[s];
	TERN_ASSERT(sum == tw->n_tcb, "state counts add up to %u, %u control blocks", sum,
			tw->n_tcb);
	TERN_ASSERT((uint32_t)rte_hash_count(tw->conns) +
			(tw->conns6 != NULL ? (uint32_t)rte_hash_count(tw->conns6) : 0) == n_tcb + n_tw,
			"tables hold %d + %d entries, %u + %u expected", rte_hash_count(tw->conns),
			tw->conns6 != NULL ? rte_hash_count(tw->conns6) : 0, n_tcb, n_tw);
}

#endif /* TERN_ASSERTS */
