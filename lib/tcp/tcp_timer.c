/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers on the worker's timing wheel. A control block carries one wheel
 * node armed at the earliest of its deadlines (retransmit, persist,
 * keepalive, delayed ACK, FIN_WAIT_2), so re-arming the RTO on every ACK is a
 * few compares and at most one O(1) wheel move. TIME_WAIT records sit on a
 * second wheel with one fixed 2MSL deadline each.
 */
#include <stddef.h>

#include "tcp_priv.h"

/*
 * Keep the wheel node at or before the earliest deadline. Moving a deadline
 * later (the RTO pushed back by every ACK) or off costs nothing here: the
 * node fires early, tcp_timer_fire finds nothing due and re-arms it at the
 * true earliest. Only a deadline earlier than the node moves the node.
 */
static uint64_t
tcp_timer_min(const struct tcp_cb *tp)
{
	uint64_t min = UINT64_MAX;

	for (int i = 0; i < TT_N; i++)
		if (tp->deadline[i] < min)
			min = tp->deadline[i];
	return min;
}

static void
tcp_timer_arm_at(struct tcp_cb *tp, uint64_t when)
{
	struct tern_wheel *w = tp->tw->wheel;

	if (when <= tern_wheel_now(w))
		when = tern_wheel_now(w) + 1;
	tern_wheel_arm(w, &tp->tmo, when);
}

static void
tcp_timer_rearm(struct tcp_cb *tp)
{
	uint64_t min = tcp_timer_min(tp);

	/* an output retry owed (TF_NOMBUF) has no deadline of its own: keep its time */
	if (tp->flags & TF_NOMBUF)
		min = RTE_MIN(min, tp->tw->nif->now_us + TCP_NOMBUF_RETRY_US);

	if (min == UINT64_MAX)
		tern_wheel_disarm(tp->tw->wheel, &tp->tmo);
	else if (!tern_wheel_armed(&tp->tmo) || tp->tmo.expire != min)
		tcp_timer_arm_at(tp, min);
}

void
tcp_timer_set(struct tcp_cb *tp, enum tcp_timer_id id, uint64_t when_us)
{
	tp->deadline[id] = when_us;
	if (!tern_wheel_armed(&tp->tmo) || when_us < tp->tmo.expire)
		tcp_timer_arm_at(tp, when_us);
}

void
tcp_timer_stop(struct tcp_cb *tp, enum tcp_timer_id id)
{
	/* the node may fire for nothing later; tcp_timer_fire re-arms it */
	tp->deadline[id] = UINT64_MAX;
}

/*
 * No deadline of its own (the control block has no room for one): the wheel
 * node is brought forward to @when if it is due later, and tcp_timer_fire
 * runs the output whenever the node fires with TF_NOMBUF set, on time or
 * earlier for another deadline.
 */
void
tcp_timer_output_retry(struct tcp_cb *tp, uint64_t when)
{
	tp->flags |= TF_NOMBUF;
	if (!tern_wheel_armed(&tp->tmo) || when < tp->tmo.expire)
		tcp_timer_arm_at(tp, when);
}

void
tcp_timer_stop_all(struct tcp_cb *tp)
{
	for (int i = 0; i < TT_N; i++)
		tp->deadline[i] = UINT64_MAX;
	tern_wheel_disarm(tp->tw->wheel, &tp->tmo);
}

/*
 * RFC 8985 §7.2: a tail loss probe may be scheduled when SACK is in use, the
 * connection is open (not in recovery, no RTO backoff), an RTT is known, no
 * probe is outstanding and data is in flight.
 */
static bool
tcp_tlp_allowed(const struct tcp_cb *tp)
{
	if (!(tp->flags & TF_SACK) || (tp->flags & (TF_RECOVERY | TF_TLP_OUT)) ||
			tp->rexmt_shift != 0 || tp->srtt_us == 0 || tp->snd_una == tp->snd_max)
		return false;
	/* still repairing after an RTO (go-back-N below recover) */
	if (seq_lt(tp->snd_una, tp->recover))
		return false;
	switch (tp->state) {
	case TERN_TCP_ESTABLISHED:
	case TERN_TCP_CLOSE_WAIT:
	case TERN_TCP_FIN_WAIT_1:
	case TERN_TCP_CLOSING:
	case TERN_TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/*
 * RFC 8985 §7.2 PTO: 2 * SRTT, plus the worst-case delayed ACK when a single
 * segment is in flight (its ACK may be held, unless it carries our FIN). DEVIATION: at least
 * TCP_TLP_MIN_US (as Linux): on microsecond RTTs a 2 * SRTT probe would
 * fire on any pause of the peer's poll loop.
 */
static uint32_t
tcp_pto_us(const struct tcp_cb *tp)
{
	uint32_t pto = 2 * tp->srtt_us;

	/* a FIN is acknowledged at once (RFC 9293 §3.10.7.4, eighth step) */
	if (tp->snd_max - tp->snd_una <= tp->seg_max && !(tp->flags & TF_FIN_SENT))
		pto += TCP_TLP_WC_DELACK_US;
	return RTE_MAX(pto, TCP_TLP_MIN_US);
}

/*
 * The user timeout (RFC 9293 §3.10.8, RFC 5482 §3): a connection whose data
 * (or SYN) has gone unacknowledged, or whose peer's window has stayed shut,
 * for user_timeout_ms since its last progress (tcp_progress) is aborted with
 * ETIMEDOUT. Its retransmission and probe timers are armed no later than
 * that moment, so the abort is on time even when the RTO has grown past the
 * user timeout; as in Linux, the abort waits for one retransmission (or
 * window probe) in the stall, so a single lost segment gets one more try.
 * A value set while a timer is pending applies from the next one armed.
 */
static uint32_t
tcp_ms_since_progress(const struct tcp_cb *tp)
{
	return (uint32_t)(tp->tw->nif->now_us / 1000) - tp->progress_ms;
}

/* When a retransmission or probe timer armed now for @interval_us fires:
 * never after the user timeout ends. */
static uint64_t
tcp_stall_deadline(const struct tcp_cb *tp, uint64_t interval_us)
{
	uint64_t now = tp->tw->nif->now_us;
	uint32_t elapsed_ms;

	if (!(tp->flags & TF_USER_TIMEOUT))
		return now + interval_us;
	elapsed_ms = tcp_ms_since_progress(tp);
	if (elapsed_ms >= tp->user_timeout_ms)
		return now;
	return now + RTE_MIN(interval_us, (uint64_t)(tp->user_timeout_ms - elapsed_ms) * 1000);
}

/* @retried: a retransmission or probe of this stall has gone out already. */
static bool
tcp_drop_if_user_timeout(struct tcp_cb *tp, bool retried)
{
	if (!(tp->flags & TF_USER_TIMEOUT) || !retried ||
			tcp_ms_since_progress(tp) < tp->user_timeout_ms)
		return false;
	tp->tw->stats->tcp_user_timeout++;
	tcp_drop(tp, tcp_timeout_reason(tp));
	return true;
}

void
tcp_rexmt_arm(struct tcp_cb *tp)
{
	tp->flags &= ~TF_TLP_ARMED;
	if (tcp_tlp_allowed(tp) && tcp_pto_us(tp) < tp->rto_us) {
		tp->flags |= TF_TLP_ARMED;
		tcp_timer_set(tp, TT_REXMT, tcp_stall_deadline(tp, tcp_pto_us(tp)));
		return;
	}
	tcp_timer_set(tp, TT_REXMT, tcp_stall_deadline(tp, tp->rto_us));
}

void
tcp_rtt_sample(struct tcp_cb *tp, uint32_t rtt_us)
{
	const struct tcp_params *p = &tp->tw->p;
	uint32_t rto;

	if (rtt_us == 0)
		rtt_us = 1;
	if (tp->srtt_us == 0) {
		/* RFC 6298 (2.2): first measurement */
		tp->srtt_us = rtt_us;
		tp->rttvar_us = rtt_us / 2;
	} else {
		/* RFC 6298 (2.3): beta 1/4, alpha 1/8 */
		uint32_t delta = tp->srtt_us > rtt_us ? tp->srtt_us - rtt_us : rtt_us - tp->srtt_us;

		tp->rttvar_us = tp->rttvar_us - (tp->rttvar_us >> 2) + (delta >> 2);
		tp->srtt_us = tp->srtt_us - (tp->srtt_us >> 3) + (rtt_us >> 3);
	}
	/* RFC 6298 (2.4), K = 4, clamped to [rto_min, rto_max] (2.4, 2.5) */
	rto = tp->srtt_us + RTE_MAX(1000u, 4 * tp->rttvar_us);
	tp->rto_us = RTE_MIN(RTE_MAX(rto, p->rto_min_us), p->rto_max_us);
}

static void
tcp_backoff(struct tcp_cb *tp)
{
	/* RFC 6298 (5.5): double the RTO, up to the maximum */
	tp->rexmt_shift++;
	tp->rto_us = RTE_MIN(tp->rto_us * 2, tp->tw->p.rto_max_us);
}

/*
 * RFC 8985 §7.3: the probe timeout fired. Send one new segment if the
 * receive window allows (cwnd notwithstanding), else resend the last one;
 * either way the peer answers with an ACK (and SACK) that shows a tail loss
 * without waiting for the RTO, which is armed behind the probe.
 */
static void
tcp_send_loss_probe(struct tcp_cb *tp)
{
	struct tcp_worker *tw = tp->tw;
	uint32_t sent = tp->snd_max - tp->snd_una - !!(tp->flags & TF_FIN_SENT);
	uint32_t snd_max = tp->snd_max;

	tw->stats->tcp_tlp_probes++;
	tp->flags |= TF_TLP_OUT;
	tp->flags &= ~TF_TLP_RXT;
	if (tp->sndq_bytes > sent && tp->snd_nxt == tp->snd_max) {
		tp->lt_extra = tp->seg_max;
		tcp_output(tp);
		tp->lt_extra = 0;
	}
	if (tp->snd_max == snd_max) {
		/* the last segment again, ending at SND.MAX (with our FIN) */
		uint32_t len = RTE_MIN(sent, tcp_payload_room(tp));

		tp->flags |= TF_TLP_RXT;
		tp->flags &= ~TF_RTT_TIMING;    /* Karn: no sample across a resend */
		tcp_retransmit_range(tp, tp->snd_una + sent - len, len);
	}
	tp->tlp_high_seq = tp->snd_max;
	tcp_timer_set(tp, TT_REXMT, tcp_stall_deadline(tp, tp->rto_us));
}

static void
tcp_timeout_rexmt(struct tcp_cb *tp)
{
	struct tcp_worker *tw = tp->tw;

	if (tp->flags & TF_TLP_ARMED) {
		tp->flags &= ~TF_TLP_ARMED;
		tcp_send_loss_probe(tp);
		return;
	}
	tp->flags &= ~(TF_TLP_OUT | TF_TLP_RXT);
	if (tcp_drop_if_user_timeout(tp, tp->rexmt_shift != 0))
		return;

	if (tp->state == TERN_TCP_SYN_SENT || tp->state == TERN_TCP_SYN_RECEIVED) {
		if (tp->rexmt_shift >= tw->p.syn_retries) {
			tcp_drop(tp, tcp_timeout_reason(tp));
			return;
		}
		tw->stats->tcp_rexmt_timeout++;
		tcp_backoff(tp);
		tp->snd_nxt = tp->iss;          /* tcp_output sends the SYN again */
		tcp_output_sched(tp);
		return;
	}
	if (tp->rexmt_shift >= tw->p.retries) {
		tcp_drop(tp, tcp_timeout_reason(tp));
		return;
	}
	tw->stats->tcp_rexmt_timeout++;
	/* RFC 2018 §8: a receiver may renege on what it SACKed. One that
	 * SACKs the segment at SND.UNA yet does not acknowledge it has (or
	 * lies): forget the scoreboard, else the resend below skips all that
	 * is in flight and nothing is sent or timed again (found by
	 * fuzz_tcp_seq's invariants) */
	if (tp->nsb != 0 && tp->sb[0].l == tp->snd_una)
		tp->nsb = 0;
	tcp_backoff(tp);
	tcp_cc_timeout(tp);
	tp->flags &= ~TF_RTT_TIMING;                     /* Karn: no sample from a resend */
	tp->ts_rexmt = (tcp_ts_now(tw) + tp->ts_offset) | 1;  /* TSval of the resends */
	tp->snd_nxt = tp->snd_una;                       /* go back to the first hole */
	tcp_output_sched(tp);
}

static uint64_t
tcp_persist_interval_us(const struct tcp_cb *tp)
{
	uint64_t t = (uint64_t)RTE_MAX(tp->rto_us, TCP_PERSIST_MIN_US) << tp->persist_shift;

	return RTE_MIN(t, (uint64_t)tp->tw->p.rto_max_us);
}

void
tcp_persist_set(struct tcp_cb *tp)
{
	tcp_timer_set(tp, TT_PERSIST, tcp_stall_deadline(tp, tcp_persist_interval_us(tp)));
}

static void
tcp_timeout_persist(struct tcp_cb *tp)
{
	/* the peer took every octet (and no FIN waits): nothing is left to
	 * probe for, and nothing to time out; new data arms persist again */
	if (tp->sndq_bytes == 0 && tp->snd_una == tp->snd_max &&
			(tp->flags & (TF_FIN_QUEUED | TF_FIN_SENT)) != TF_FIN_QUEUED) {
		tp->persist_shift = 0;
		return;
	}
	if (tcp_drop_if_user_timeout(tp, tp->persist_shift != 0))
		return;
	tp->tw->stats->tcp_persist_probes++;
	tcp_send_probe_byte(tp);
	if (tp->persist_shift < 16)
		tp->persist_shift++;
	tcp_persist_set(tp);
}

void
tcp_keep_arm(struct tcp_cb *tp, uint64_t from_us)
{
	if (tp->flags & TF_KEEPALIVE)
		tcp_timer_set(tp, TT_KEEP, from_us + (uint64_t)tp->keepidle_s * 1000000);
	else
		tcp_timer_stop(tp, TT_KEEP);
}

static void
tcp_timeout_keep(struct tcp_cb *tp)
{
	struct tcp_worker *tw = tp->tw;
	uint64_t now = tw->nif->now_us;
	uint64_t idle_us = (uint64_t)tp->keepidle_s * 1000000;

	if (!(tp->flags & TF_KEEPALIVE))
		return;
	if (now < tp->last_rcv_us + idle_us) {
		tcp_timer_set(tp, TT_KEEP, tp->last_rcv_us + idle_us);
		return;
	}
	if (tp->keep_probes >= tp->keepcnt) {
		tcp_drop(tp, TERN_CLOSE_TIMEOUT);
		return;
	}
	tp->keep_probes++;
	tw->stats->tcp_keepalive_probes++;
	tcp_send_keepalive(tp);
	tcp_timer_set(tp, TT_KEEP, now + (uint64_t)tp->keepintvl_s * 1000000);
}

/* Wheel callback: run every deadline of the control block that is due. */
static void
tcp_timer_fire(struct tern_wheel_node *n, void *arg)
{
	struct tcp_cb *tp = (struct tcp_cb *)((char *)n - offsetof(struct tcp_cb, tmo));
	struct tcp_worker *tw = arg;
	uint64_t now = tw->nif->now_us;
	/* a retry owed from before: one a deadline below owes is the next node's */
	bool retry_owed = tp->flags & TF_NOMBUF;

	for (int id = 0; id < TT_N && !(tp->flags & TF_DEAD); id++) {
		if (tp->deadline[id] > now)
			continue;
		tp->deadline[id] = UINT64_MAX;
		switch (id) {
		case TT_REXMT:
			tcp_timeout_rexmt(tp);
			break;
		case TT_PERSIST:
			tcp_timeout_persist(tp);
			break;
		case TT_KEEP:
			tcp_timeout_keep(tp);
			break;
		case TT_DELACK:
			tw->stats->tcp_delack_timeout++;
			tp->flags |= TF_ACKNOW;
			tcp_output_sched(tp);
			break;
		case TT_IDLE:
			if (now - tp->last_rcv_us >= tp->idle_us)
				tern_close(cb_conn(tp));
			else
				tcp_timer_set(tp, TT_IDLE, tp->last_rcv_us + tp->idle_us);
			break;
		case TT_FIN_WAIT_2:     /* TT_CORK outside FIN_WAIT_2 */
			if (tp->state == TERN_TCP_FIN_WAIT_2) {
				/* the app closed and the peer never sent FIN */
				tcp_drop(tp, TERN_CLOSE_TIMEOUT);
			} else {
				/* a cork's ceiling: what waited goes now, and the
				 * more that MSG_MORE promised is over (PSH: the
				 * receiver takes it now, as Linux marks it) */
				tp->flags = (tp->flags & ~TF_MORE) | TF_PUSH;
				tcp_output_sched(tp);
			}
			break;
		}
	}
	if (retry_owed && (tp->flags & (TF_NOMBUF | TF_DEAD)) == TF_NOMBUF) {
		tp->flags &= ~TF_NOMBUF;
		tw->stats->tcp_nombuf_retry++;
		tcp_output_sched(tp);
	}
	if (!(tp->flags & TF_DEAD))
		tcp_timer_rearm(tp);
	tcp_conn_check_invariants(tp);
}

static void
tcp_timewait_fire(struct tern_wheel_node *n, void *arg)
{
	struct tcp_timewait *t = (struct tcp_timewait *)((char *)n -
			offsetof(struct tcp_timewait, tmo));

	tcp_timewait_free(arg, t);
}

void
tcp_timewait_arm(struct tcp_worker *tw, struct tcp_timewait *t)
{
	uint64_t when = tw->nif->now_us + tw->p.time_wait_us;

	if (when <= tern_wheel_now(tw->tw_wheel))
		when = tern_wheel_now(tw->tw_wheel) + 1;
	tern_wheel_arm(tw->tw_wheel, &t->tmo, when);
}

void
tcp_timers_advance(struct tcp_worker *tw, uint64_t now_us)
{
	if (tcp_cookie_slot_of(now_us) - tw->cookie_rotated_slot >= TCP_COOKIE_ROTATE_SLOTS)
		tcp_syncookie_rotate(tw);
	tern_wheel_advance(tw->wheel, now_us, tcp_timer_fire, tw);
	tern_wheel_advance(tw->tw_wheel, now_us, tcp_timewait_fire, tw);
}
