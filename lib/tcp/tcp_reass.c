/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Out-of-order reassembly (RFC 9293 §3.10.7.4 "seventh, process the segment
 * text"; RFC 2018 for the SACK blocks that describe it).
 *
 * The queue holds payload-only mbufs sorted by sequence number, without
 * overlaps: a new segment is trimmed against its neighbours and swallows the
 * ones it covers. A segment that carries the peer's FIN is the last: nothing
 * past the FIN is kept. It is bounded by reass_max segments (a window of 256-byte
 * segments, at least TCP_REASS_MIN_SEGS) and, through
 * the window we advertise, by the receive buffer.
 */
#include "tcp_priv.h"

static inline uint32_t
seg_seq(struct rte_mbuf *m)
{
	return tern_mbuf_meta(m)->seq;
}

static inline uint32_t
seg_end(struct rte_mbuf *m)
{
	return tern_mbuf_meta(m)->seq + rte_pktmbuf_pkt_len(m);
}

static inline struct rte_mbuf *
seg_next(struct rte_mbuf *m)
{
	return *tern_mbufq_link(m);
}

/* Unlink @m (whose predecessor is @prev, NULL for the head) and free it. */
static void
reass_remove(struct tcp_cb *tp, struct rte_mbuf *prev, struct rte_mbuf *m)
{
	struct tern_mbufq *q = &tp->reass;
	struct rte_mbuf *next = seg_next(m);

	if (prev == NULL)
		q->head = next;
	else
		*tern_mbufq_link(prev) = next;
	if (q->tail == m)
		q->tail = prev;
	q->len--;
	tp->reass_bytes -= rte_pktmbuf_pkt_len(m);
	rte_pktmbuf_free(m);
}

static void
reass_link_after(struct tcp_cb *tp, struct rte_mbuf *prev, struct rte_mbuf *m)
{
	struct tern_mbufq *q = &tp->reass;

	if (prev == NULL) {
		*tern_mbufq_link(m) = q->head;
		q->head = m;
	} else {
		*tern_mbufq_link(m) = seg_next(prev);
		*tern_mbufq_link(prev) = m;
	}
	if (q->tail == prev)
		q->tail = m;
	q->len++;
	tp->reass_bytes += rte_pktmbuf_pkt_len(m);
}

/*
 * @m holds the peer's FIN: nothing lies beyond it (RFC 9293 §3.10.7.4
 * eighth: the FIN ends the stream), so what was held past it goes.
 */
static void
reass_cut_after_fin(struct tcp_cb *tp, struct rte_mbuf *m)
{
	while (seg_next(m) != NULL) {
		tp->tw->stats->tcp_drop_state++;
		reass_remove(tp, m, seg_next(m));
	}
}

void
tcp_reass_insert(struct tcp_cb *tp, struct rte_mbuf *m, bool fin)
{
	struct tern_stats *st = tp->tw->stats;
	struct rte_mbuf *prev = NULL, *cur = tp->reass.head;
	uint32_t seq = seg_seq(m), end = seq + rte_pktmbuf_pkt_len(m);

	if (tp->reass.len >= tp->tw->p.reass_max) {
		st->tcp_drop_ooo_full++;
		rte_pktmbuf_free(m);
		return;
	}
	/* segments wholly before the new one */
	while (cur != NULL && seq_leq(seg_end(cur), seq)) {
		prev = cur;
		cur = seg_next(cur);
	}
	if (cur != NULL && seq_leq(seg_seq(cur), seq) && seq_geq(seg_end(cur), end)) {
		/* nothing new in it */
		if (fin && seg_end(cur) == end) {
			tern_mbuf_meta(cur)->flags |= TERN_MBUF_FIN;
			reass_cut_after_fin(tp, cur);
		}
		st->tcp_rx_dup_segs++;
		rte_pktmbuf_free(m);
		return;
	}
	if (cur != NULL && seq_lt(seg_seq(cur), seq)) {
		/* overlaps the end of cur: keep cur's bytes, drop ours */
		tern_mbuf_cut_front(m, seg_end(cur) - seq);
		seq = seg_end(cur);
		tern_mbuf_meta(m)->seq = seq;
		prev = cur;
		cur = seg_next(cur);
	}
	/* swallow the segments the new one covers, trim at the first it does not */
	while (cur != NULL && seq_lt(seg_seq(cur), end)) {
		if (seq_leq(seg_end(cur), end)) {
			if ((tern_mbuf_meta(cur)->flags & TERN_MBUF_FIN) && seg_end(cur) == end)
				fin = true;
			reass_remove(tp, prev, cur);
			cur = prev == NULL ? tp->reass.head : seg_next(prev);
		} else {
			/* data held past our end: a FIN there is no end */
			tern_mbuf_cut_back(m, end - seg_seq(cur));
			end = seg_seq(cur);
			fin = false;
			break;
		}
	}
	if (seq == end && !fin) {
		/* its two ends lay in two held segments: nothing new either */
		st->tcp_rx_dup_segs++;
		rte_pktmbuf_free(m);
		return;
	}
	if (prev != NULL && (tern_mbuf_meta(prev)->flags & TERN_MBUF_FIN)) {
		/* past the peer's FIN */
		st->tcp_drop_state++;
		rte_pktmbuf_free(m);
		return;
	}
	tern_mbuf_meta(m)->flags = fin ? TERN_MBUF_FIN : 0;
	reass_link_after(tp, prev, m);
	if (fin)
		reass_cut_after_fin(tp, m);
	tp->last_ooo_seq = seq;
	st->tcp_rx_ooo_segs++;
}

void
tcp_reass_deliver(struct tcp_cb *tp)
{
	struct rte_mbuf *m;

	while ((m = tp->reass.head) != NULL && seq_leq(seg_seq(m), tp->rcv_nxt) &&
			!(tp->flags & TF_DEAD)) {
		bool fin = tern_mbuf_meta(m)->flags & TERN_MBUF_FIN;
		uint32_t end = seg_end(m);

		if (seq_lt(end, tp->rcv_nxt) || (end == tp->rcv_nxt && !fin)) {
			reass_remove(tp, NULL, m);      /* already delivered */
			continue;
		}
		/* unlink without freeing: it goes up */
		tp->reass.head = seg_next(m);
		if (tp->reass.tail == m)
			tp->reass.tail = NULL;
		tp->reass.len--;
		tp->reass_bytes -= rte_pktmbuf_pkt_len(m);
		tern_mbuf_cut_front(m, tp->rcv_nxt - seg_seq(m));
		if (rte_pktmbuf_pkt_len(m) != 0)
			tcp_deliver(tp, m, rte_pktmbuf_pkt_len(m));
		else
			rte_pktmbuf_free(m);
		if (fin && !(tp->flags & TF_DEAD))
			tcp_fin_received(tp);
	}
}

void
tcp_reass_purge(struct tcp_cb *tp)
{
	tern_mbufq_purge(&tp->reass);
	tp->reass_bytes = 0;
}

unsigned int
tcp_reass_sack_blocks(const struct tcp_cb *tp, uint32_t *edges, unsigned int max)
{
	uint32_t blk[2 * 64];
	unsigned int nb = 0, out = 0, first = 0;
	struct rte_mbuf *m;

	/* merge touching segments into blocks (the first 64 blocks are plenty
	 * to find the newest one and the lowest few) */
	for (m = tp->reass.head; m != NULL; m = seg_next(m)) {
		if (nb != 0 && blk[2 * nb - 1] == seg_seq(m)) {
			blk[2 * nb - 1] = seg_end(m);
		} else if (nb < RTE_DIM(blk) / 2) {
			blk[2 * nb] = seg_seq(m);
			blk[2 * nb + 1] = seg_end(m);
			nb++;
		}
	}
	/* RFC 2018 §4: the first block holds the most recently received segment */
	for (unsigned int i = 0; i < nb; i++)
		if (seq_leq(blk[2 * i], tp->last_ooo_seq) && seq_lt(tp->last_ooo_seq, blk[2 * i + 1]))
			first = i;
	if (nb == 0 || max == 0)
		return 0;
	edges[out++] = blk[2 * first];
	edges[out++] = blk[2 * first + 1];
	for (unsigned int i = 0; i < nb && out / 2 < max; i++) {
		if (i == first)
			continue;
		edges[out++] = blk[2 * i];
		edges[out++] = blk[2 * i + 1];
	}
	return out / 2;
}
