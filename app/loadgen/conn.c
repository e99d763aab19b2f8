/* SPDX-License-Identifier: BSD-3-Clause */
/* tern-loadgen: a measured connection's life (open, send, callbacks, complete). */
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "loadgen.h"

/*
 * Echo: a buffer received on this worker carries its next message out
 * (tern_send_mbuf), as tern-echo sends what it receives: no buffer freed and
 * another allocated per message. One is kept at a time, only while running.
 */
static void
lg_keep_spare(struct lg_worker *lw, struct rte_mbuf *m)
{
	if (lg.opts.mode == M_ECHO && lg.phase == PH_RUN && lw->spare == NULL && m->nb_segs == 1 &&
			RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1)
		lw->spare = m;
	else
		rte_pktmbuf_free(m);
}

void
lg_free_spare(struct lg_worker *lw)
{
	rte_pktmbuf_free(lw->spare);
	lw->spare = NULL;
}

/* Draining: close @lc gracefully once nothing it asked for is outstanding. */
void
lg_close_if_drained(struct lg_conn *lc)
{
	if (lg.phase < PH_DRAIN || lc->c == NULL || lc->closing || lc->inflight != 0)
		return;
	lc->closing = true;
	/* in SYN-SENT this ends the connection at once (on_closed runs) */
	tern_close(lc->c);
}

/* ------------------------------------------------------------ responses */

void
lg_complete(struct lg_conn *lc, bool ok)
{
	struct lg_worker *lw = lc->lw;
	uint64_t now = tern_worker_now(lw->w);

	lc->next_send_us = now + lg.opts.delay_us;
	if (lc->inflight != 0) {
		hdr_record(&lw->lat, now - lc->sent_ts[lc->ts_head]);
		lc->ts_head = (lc->ts_head + 1) % DEPTH_MAX;
		lc->inflight--;
	}
	lw->st.requests++;
	if (!ok)
		lw->st.non2xx++;
	else if (lg.opts.upload)
		lw->st.bytes_up += lg.opts.bytes;
}

void
lg_send_more(struct lg_conn *lc)
{
	struct lg_worker *lw = lc->lw;

	if ((lg.phase != PH_RUN && lg.phase != PH_DRAIN) || lc->c == NULL)
		return;
	/* the rest of an upload already under way goes out in the drain too:
	 * its request completes and the connection closes cleanly */
	if (!lg_upload_more(lc) || lg.phase != PH_RUN)
		return;
	while (lc->inflight < lg.opts.depth) {
		uint64_t now = tern_worker_now(lw->w);

		if (now < lc->next_send_us)
			return;         /* --delay-ms: lg_send_due() sends it later */
		if (lg.opts.mode == M_ECHO) {
			if (tern_send_space(lc->c) < lg.opts.size)
				return;
			if (!lg_echo_send(lc)) {
				lc->failed = true;
				return;
			}
			lw->st.bytes_tx += lg.opts.size;
		} else {
			int sent = lg_http_send(lc);

			if (sent <= 0) {
				lc->failed = sent < 0;
				return;
			}
		}
		lc->sent_ts[(lc->ts_head + lc->inflight) % DEPTH_MAX] = now;
		lc->inflight++;
		if (lg.opts.mode == M_HTTP_CLOSE)
			return;     /* one request per connection */
		lc->up_left = lg.opts.upload ? lg.opts.bytes : 0;
		if (!lg_upload_more(lc))
			return;
	}
}

/* ------------------------------------------------------------ callbacks */

static void
lg_on_connected(struct tern_conn *c, void *arg)
{
	struct lg_conn *lc = arg;

	lc->established = true;
	if (!lc->lw->warm && lg.opts.start_on_connect && lg.phase == PH_RUN)
		lg_start_clock(lc->lw, tern_worker_now(tern_conn_worker(c)));
	lc->lw->warm = true;
	lg_send_more(lc);
}

static void
lg_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct lg_conn *lc = arg;
	bool ok = true;

	for (struct rte_mbuf *s = m; s != NULL && ok; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		lc->lw->st.bytes_rx += s->data_len;
		ok = lg.opts.mode == M_ECHO ? lg_echo_input(lc, p, s->data_len) :
			lg_http_input(lc, p, s->data_len);
	}
	lg_keep_spare(lc->lw, m);
	if (!ok) {
		lc->failed = true;
		tern_abort(c);
		return;
	}
}

static void
lg_on_sent(struct tern_conn *c, uint32_t acked, void *arg)
{
	(void)c;
	(void)acked;
	lg_send_more(arg);
}

static void
lg_on_peer_closed(struct tern_conn *c, void *arg)
{
	(void)arg;
	tern_close(c);
}

static void
lg_on_closed(struct tern_conn *c, int reason, void *arg)
{
	struct lg_conn *lc = arg;
	struct lg_worker *lw = lc->lw;

	(void)c;
	lw->open--;
	lc->c = NULL;
	if (lc->failed) {
		lw->st.errors++;        /* a wrong response, whenever it came */
	} else if (reason == TERN_CLOSE_NORMAL && (lc->done || lc->closing)) {
		lw->st.conns_done += lc->done;
	} else if (reason == TERN_CLOSE_RESET || reason == TERN_CLOSE_REFUSED ||
			reason == TERN_CLOSE_TIMEOUT || reason == TERN_CLOSE_UNREACHABLE) {
		/* whatever the phase: the peer or the path failed us */
		if (lc->established)
			lw->st.conns_reset++;
		else
			lw->st.conns_failed++;
		lw->st.errors++;
	} else if (lg.phase != PH_DONE && !(lg.phase == PH_DRAIN && reason == TERN_CLOSE_ABORTED)) {
		lw->st.errors++;
	}
}

static const struct tern_conn_ops lg_ops = {
	.on_connected = lg_on_connected,
	.on_recv = lg_on_recv,
	.on_sent = lg_on_sent,
	.on_peer_closed = lg_on_peer_closed,
	.on_closed = lg_on_closed,
};

/* ---------------------------------------------------------- the poll hook */

static void
lg_open(struct lg_worker *lw, struct lg_conn *lc)
{
	uint32_t id = lc->id;

	memset(lc, 0, offsetof(struct lg_conn, hbuf));
	lc->id = id;
	lc->lw = lw;
	/* with --idle, the measured connections keep the first address to
	 * themselves (the idle ones hold the others' ports) */
	if (lg.opts.target.v4 == 0)
		lc->c = app_connect(lw->w, &lg.opts.target, &lg_ops, lc);
	else
		lc->c = tern_connect_from(lw->w, lg.opts.idle != 0 ?
				tern_stack_config(lg.stack)->ip_addr : 0, lg.opts.target.v4,
				lg.opts.target.port, &lg_ops, lc);
	if (lc->c == NULL) {
		lw->st.errors++;
		lw->st.conns_failed++;
		lw->last_errno = rte_errno;
		return;
	}
	lw->open++;
	lw->st.conns_opened++;
}

/* Keep N connections open (http-close cycles them); scan only when a slot is free. */
void
lg_refill(struct lg_worker *lw)
{
	unsigned int started = 0;

	/* one connection first, as for --idle: the others wait for its MAC */
	uint32_t open_max = lw->warm ? lw->nconns : 1;

	for (uint32_t i = 0; lw->open < open_max && i < lw->nconns &&
			started < CONNECTS_PER_ITER; i++) {
		if (lw->conns[i].c != NULL)
			continue;
		lg_open(lw, &lw->conns[i]);
		started++;
	}
}

/* --delay-ms: the connections whose pause is over send their next request. */
void
lg_send_due(struct lg_worker *lw, uint64_t now)
{
	for (uint32_t i = 0; i < lw->nconns; i++) {
		struct lg_conn *lc = &lw->conns[i];

		if (lc->c != NULL && lc->inflight < lg.opts.depth && now >= lc->next_send_us)
			lg_send_more(lc);
	}
}
