/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control and loss recovery.
 *
 * The recovery machinery is shared: slow start (RFC 5681 §3.1 with RFC 3465
 * byte counting), limited transmit (RFC 3042), fast retransmit and
 * NewReno fast recovery (RFC 5681 §3.2, RFC 6582) and, when SACK is on,
 * retransmission of the holes the scoreboard shows (RFC 6675 in a simplified
 * form: one hole per duplicate ACK, the next on each partial ACK), restart
 * after idle (RFC 5681 §4.1), and the RTO response (RFC 5681 (4)).
 *
 * What differs between algorithms is behind struct tcp_cc_ops: growth in
 * congestion avoidance and the ssthresh after a loss. NewReno (RFC 5681) and
 * CUBIC (RFC 9438: C = 0.4, beta = 0.7, fast convergence, Reno-friendly region).
 */
#include <math.h>

#include "tcp_priv.h"

/* ------------------------------------------------------------- NewReno */

static void
newreno_init(struct tcp_cb *tp __rte_unused)
{
}

static void
newreno_cong_avoid(struct tcp_cb *tp, uint32_t acked)
{
	/* RFC 5681 §3.1 (3): about one SMSS per RTT, by byte counting */
	tp->bytes_acked += acked;
	if (tp->bytes_acked >= tp->cwnd) {
		tp->bytes_acked -= tp->cwnd;
		tp->cwnd += tp->seg_max;
	}
}

static uint32_t
newreno_ssthresh(struct tcp_cb *tp)
{
	/* RFC 5681 (4): max(FlightSize / 2, 2 * SMSS) */
	return RTE_MAX((tp->snd_max - tp->snd_una) / 2, 2u * tp->seg_max);
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.cong_avoid = newreno_cong_avoid,
	.ssthresh = newreno_ssthresh,
};

/* --------------------------------------------------------------- CUBIC */

#define CUBIC_C    0.4
#define CUBIC_BETA 0.7

static void
cubic_init(struct tcp_cb *tp)
{
	tp->cubic.w_max = 0;
	tp->cubic.w_last_max = 0;
	tp->cubic.k = 0;
	tp->cubic.w_est = 0;
	tp->cubic.epoch_us = 0;
}

static void
cubic_cong_avoid(struct tcp_cb *tp, uint32_t acked)
{
	struct tcp_cubic *cu = &tp->cubic;
	double mss = tp->seg_max, cwnd = tp->cwnd / mss;
	double t, w_cubic, target, rtt = tp->srtt_us / 1e6;
	uint64_t now = tp->tw->nif->now_us;

	if (cu->epoch_us == 0) {
		/* RFC 9438 §4.2: a new congestion-avoidance epoch */
		cu->epoch_us = now;
		if (cwnd < cu->w_max) {
			cu->k = (float)cbrt((cu->w_max - cwnd) / CUBIC_C);
		} else {
			cu->k = 0;
			cu->w_max = (float)cwnd;
		}
		cu->w_est = (float)cwnd;
	}
	t = (now - cu->epoch_us) / 1e6;
	/* RFC 9438 §4.3: the target one RTT ahead, within [cwnd, 1.5 cwnd] */
	w_cubic = CUBIC_C * pow(t + rtt - cu->k, 3) + cu->w_max;
	/* RFC 9438 §4.3 Reno-friendly region: alpha = 3(1 - beta)/(1 + beta) */
	cu->w_est += (float)(3.0 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA) * (acked / mss) / cwnd);
	if (w_cubic < cu->w_est) {
		target = cu->w_est;
	} else {
		target = w_cubic;
		if (target > 1.5 * cwnd)
			target = 1.5 * cwnd;
	}
	if (target > cwnd) {
		/* RFC 9438 §4.4: (target - cwnd) / cwnd segments per acked segment */
		double inc = (target - cwnd) / cwnd * acked;

		tp->cwnd += (uint32_t)RTE_MIN(inc, (double)acked);
	}
}

static uint32_t
cubic_ssthresh(struct tcp_cb *tp)
{
	struct tcp_cubic *cu = &tp->cubic;
	double cwnd = (double)tp->cwnd / tp->seg_max;

	/* RFC 9438 §4.7 fast convergence: release bandwidth to newer flows */
	if (cwnd < cu->w_last_max)
		cu->w_max = (float)(cwnd * (1 + CUBIC_BETA) / 2);
	else
		cu->w_max = (float)cwnd;
	cu->w_last_max = (float)cwnd;
	cu->epoch_us = 0;
	/* RFC 9438 §4.6: ssthresh = cwnd * beta */
	return RTE_MAX((uint32_t)(tp->cwnd * CUBIC_BETA), 2u * tp->seg_max);
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.cong_avoid = cubic_cong_avoid,
	.ssthresh = cubic_ssthresh,
};

/* ------------------------------------------------------ shared recovery */

/* Resend the next hole the scoreboard shows. @return true if one was sent. */
static bool
tcp_sack_retransmit(struct tcp_cb *tp)
{
	uint32_t seq, len;

	if (!(tp->flags & TF_SACK) || !tcp_sack_next_hole(tp, tp->rexmt_nxt, &seq, &len))
		return false;
	len = tcp_retransmit_range(tp, seq, RTE_MIN(len, (uint32_t)tp->seg_max));
	/* what went out (less than the hole when options took room, nothing
	 * without an mbuf): the rest stays a hole for the next chance */
	tp->rexmt_nxt = seq + len;
	return len != 0;
}

void
tcp_cc_init(struct tcp_cb *tp)
{
	/* RFC 6928 §2: IW = min(10*MSS, max(2*MSS, 14600)) */
	tp->cwnd = RTE_MIN(TCP_IW_SEGS * (uint32_t)tp->seg_max,
			RTE_MAX(2u * tp->seg_max, 14600u));
	tp->ssthresh = UINT32_MAX / 2;
	tp->recover = tp->iss;
	tp->cc->init(tp);
}

void
tcp_cc_ack(struct tcp_cb *tp, uint32_t acked)
{
	tp->lt_extra = 0;
	if (tp->flags & TF_RECOVERY) {
		if (seq_geq(tp->snd_una, tp->recover)) {
			/* RFC 6582 §3.2 (3): full ACK ends recovery */
			uint32_t flight = tp->snd_max - tp->snd_una;

			tp->cwnd = RTE_MIN(tp->ssthresh, RTE_MAX(flight, (uint32_t)tp->seg_max) +
					tp->seg_max);
			tp->flags &= ~TF_RECOVERY;
			tp->dupacks = 0;
		} else {
			/* RFC 6582 §3.2 (4): partial ACK: resend the next hole, deflate
			 * by what left, add back one segment. With SACK, data at the
			 * new SND.UNA that this recovery already resent is in flight,
			 * not a hole (RFC 6675 §4: only holes not yet retransmitted);
			 * resending it was a spurious copy (sim trace sack_two_holes) */
			bool resent = seq_gt(tp->rexmt_nxt, tp->snd_una);

			tp->rexmt_nxt = seq_max(tp->rexmt_nxt, tp->snd_una);
			if (!tcp_sack_retransmit(tp) && !(resent && (tp->flags & TF_SACK)))
				tp->rexmt_nxt = tp->snd_una + tcp_retransmit_first(tp);
			tp->cwnd = tp->cwnd > acked ? tp->cwnd - acked : 0;
			tp->cwnd += tp->seg_max;
			tcp_rexmt_arm(tp);
		}
		return;
	}
	tp->dupacks = 0;
	/* RFC 7661 §4.1 (and RFC 5681 §4.1's spirit): grow cwnd only while it
	 * limits the sender; a receiver- or application-limited flow would
	 * otherwise inflate it without bound (and overflow 32 bits) */
	if (tp->snd_max - tp->snd_una + acked < tp->cwnd / 2)
		return;
	if (tp->cwnd < tp->ssthresh)
		/* RFC 3465 byte counting. DEVIATION: no L limit (as Linux): ACKs
		 * here are batched per burst (one ACK may cover a whole burst), and
		 * L = 2 would make slow start crawl on such stretch ACKs */
		tp->cwnd += acked;
	else
		tp->cc->cong_avoid(tp, acked);
}

void
tcp_cc_dupack(struct tcp_cb *tp)
{
	tp->dupacks++;
	if (tp->flags & TF_RECOVERY) {
		/* a segment left the network: send the next hole, or new data */
		if (!tcp_sack_retransmit(tp)) {
			tp->cwnd += tp->seg_max;
			tcp_output_sched(tp);
		}
		return;
	}
	/* RFC 6675 §5 (IsLost): more than (DupThresh - 1) * SMSS bytes SACKed
	 * above SND.UNA count as DupThresh duplicates. A receiver that
	 * coalesces what arrives together (GRO, LRO) acknowledges several
	 * segments past a hole with one duplicate (sim trace
	 * fast_retransmit_burst) */
	if (tp->dupacks < 3 && (tp->flags & TF_SACK) && tcp_sack_bytes(tp) > 2u * tp->seg_max)
		tp->dupacks = 3;
	/* RFC 8985 §7.4: the answer to a loss probe that still leaves a hole
	 * shows the data below it lost (sent a probe timeout ago, far past any
	 * reordering): recover now, without waiting for three duplicates that
	 * a tail cannot produce */
	if (!(tp->flags & TF_TLP_OUT)) {
		if (tp->dupacks < 3) {
			/* RFC 3042: one new segment for each of the first two */
			tp->lt_extra = tp->dupacks * (uint32_t)tp->seg_max;
			tcp_output_sched(tp);
			return;
		}
		if (tp->dupacks != 3)
			return;
	}
	/* RFC 6582 §3.2 (1): not again for losses of the same window */
	if (tp->recover != tp->iss && seq_lt(tp->snd_una, tp->recover))
		return;
	tp->tw->stats->tcp_fast_rexmt++;
	tp->flags &= ~(TF_TLP_OUT | TF_TLP_RXT);   /* recovery takes over (RFC 8985 §7.4) */
	tp->ssthresh = tp->cc->ssthresh(tp);
	tp->recover = tp->snd_max;
	tp->flags |= TF_RECOVERY;
	tp->flags &= ~TF_RTT_TIMING;
	tp->lt_extra = 0;
	tp->rexmt_nxt = tp->snd_una + tcp_retransmit_first(tp);
	tp->cwnd = tp->ssthresh + 3u * tp->seg_max;
	tcp_rexmt_arm(tp);
}

void
tcp_cc_tlp_done(struct tcp_cb *tp)
{
	/* RFC 8985 §7.4: the probe's episode is over. If the probe resent data
	 * and that repaired a loss, the loss still counts: the same window
	 * reduction as a fast recovery. DEVIATION: no DSACK check, so a probe
	 * that only duplicated a segment whose ACK was late also reduces */
	if (tp->flags & TF_TLP_RXT) {
		tp->tw->stats->tcp_tlp_recoveries++;
		tp->ssthresh = tp->cc->ssthresh(tp);
		tp->cwnd = tp->ssthresh;
	}
	tp->flags &= ~(TF_TLP_OUT | TF_TLP_RXT);
}

void
tcp_cc_timeout(struct tcp_cb *tp)
{
	/* RFC 5681 (4) and §3.1: after an RTO, one segment and slow start */
	tp->ssthresh = tp->cc->ssthresh(tp);
	tp->cwnd = tp->seg_max;
	tp->bytes_acked = 0;
	tp->dupacks = 0;
	tp->lt_extra = 0;
	tp->recover = tp->snd_max;   /* RFC 6582 §4: no fast retransmit for old dupacks */
	tp->flags &= ~TF_RECOVERY;
}

void
tcp_cc_restart_after_idle(struct tcp_cb *tp)
{
	/* RFC 5681 §4.1: idle longer than an RTO: restart from the initial window */
	uint32_t iw = RTE_MIN(TCP_IW_SEGS * (uint32_t)tp->seg_max,
			RTE_MAX(2u * tp->seg_max, 14600u));

	if (tp->cwnd > iw)
		tp->cwnd = iw;
	tp->cubic.epoch_us = 0;      /* CUBIC: the next growth starts a new epoch */
}
