/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's SACK scoreboard (RFC 2018, RFC 6675 §3): the ranges above
 * SND.UNA the receiver reported holding, sorted, merged, at most
 * TCP_SACK_SB_MAX of them (when full, the highest range is forgotten: that
 * only costs a needless retransmission later, never a wrong one).
 */
#include "tcp_priv.h"

static void
sb_remove(struct tcp_cb *tp, unsigned int i)
{
	for (; i + 1 < tp->nsb; i++) {
		tp->sb[i] = tp->sb[i + 1];
	}
	tp->nsb--;
}

/* Insert [l, r) into the sorted, disjoint scoreboard. @return true if it grew. */
static bool
sb_insert(struct tcp_cb *tp, uint32_t l, uint32_t r)
{
	unsigned int i = 0;
	bool grew = true;

	while (i < tp->nsb && seq_lt(tp->sb[i].r, l))
		i++;
	if (i < tp->nsb && seq_leq(tp->sb[i].l, r)) {
		/* overlaps or touches range i: merge, then swallow followers */
		grew = seq_lt(l, tp->sb[i].l) || seq_gt(r, tp->sb[i].r);
		tp->sb[i].l = seq_min(tp->sb[i].l, l);
		tp->sb[i].r = seq_max(tp->sb[i].r, r);
		while (i + 1 < tp->nsb && seq_leq(tp->sb[i + 1].l, tp->sb[i].r)) {
			tp->sb[i].r = seq_max(tp->sb[i].r, tp->sb[i + 1].r);
			sb_remove(tp, i + 1);
		}
		return grew;
	}
	if (tp->nsb == TCP_SACK_SB_MAX) {
		if (i == tp->nsb)
			return false;       /* above everything we track */
		tp->nsb--;              /* forget the highest range */
	}
	for (unsigned int j = tp->nsb; j > i; j--)
		tp->sb[j] = tp->sb[j - 1];
	tp->sb[i].l = l;
	tp->sb[i].r = r;
	tp->nsb++;
	return true;
}

bool
tcp_sack_update(struct tcp_cb *tp, const struct tcp_seg *seg)
{
	bool grew = false;

	for (unsigned int k = 0; k < seg->nsack; k++) {
		uint32_t l = seg->sack[2 * k], r = seg->sack[2 * k + 1];

		/* RFC 2018 §3: a block reports data above the cumulative ACK,
		 * within what was sent. One below the ACK is a D-SACK (RFC
		 * 2883); one that starts at or below it claims the byte the ACK
		 * says is missing (clamped, it once made the whole flight look
		 * SACKed: the RTO then resent nothing and armed nothing), one
		 * past SND.MAX data never sent: all ignored */
		if (seq_leq(l, tp->snd_una) || seq_gt(r, tp->snd_max) || seq_geq(l, r)) {
			tp->tw->stats->tcp_sack_ignored++;
			continue;
		}
		grew |= sb_insert(tp, l, r);
	}
	return grew;
}

void
tcp_sack_prune(struct tcp_cb *tp)
{
	while (tp->nsb != 0 && seq_leq(tp->sb[0].r, tp->snd_una))
		sb_remove(tp, 0);
	if (tp->nsb != 0 && seq_lt(tp->sb[0].l, tp->snd_una))
		tp->sb[0].l = tp->snd_una;
}

bool
tcp_sack_next_hole(const struct tcp_cb *tp, uint32_t from, uint32_t *seq, uint32_t *len)
{
	uint32_t s = seq_max(from, tp->snd_una);

	/* RFC 6675 §4 NextSeg (simplified): a hole is unSACKed data below the
	 * highest SACKed byte, i.e. data the receiver has seen past */
	for (unsigned int i = 0; i < tp->nsb; i++) {
		if (seq_lt(s, tp->sb[i].l)) {
			*seq = s;
			*len = tp->sb[i].l - s;
			return true;
		}
		if (seq_lt(s, tp->sb[i].r))
			s = tp->sb[i].r;
	}
	return false;
}

uint32_t
tcp_sack_skip(const struct tcp_cb *tp, uint32_t seq, uint32_t *room)
{
	*room = UINT32_MAX;
	for (unsigned int i = 0; i < tp->nsb; i++) {
		if (seq_lt(seq, tp->sb[i].l)) {
			*room = tp->sb[i].l - seq;
			break;
		}
		if (seq_lt(seq, tp->sb[i].r))
			seq = tp->sb[i].r;   /* the receiver has this: jump past it */
	}
	return seq;
}

uint32_t
tcp_sack_bytes(const struct tcp_cb *tp)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < tp->nsb; i++)
		n += tp->sb[i].r - tp->sb[i].l;
	return n;
}
