/* SPDX-License-Identifier: BSD-3-Clause */
/* tern-loadgen --idle: silent connections held open through the measurement. */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>

#include <rte_errno.h>

#include "loadgen.h"

/* ------------------------------------------------- --idle connections */

static void
idle_on_connected(struct tern_conn *c, void *arg)
{
	struct idle_slot *s = arg;

	(void)c;
	s->established = true;
	s->lw->warm = true;
	s->lw->idle_est++;
}

static void
idle_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct idle_slot *s = arg;

	/* an idle connection is silent both ways */
	rte_pktmbuf_free(m);
	s->lw->st.errors++;
	tern_abort(c);
}

static void
idle_on_peer_closed(struct tern_conn *c, void *arg)
{
	(void)arg;
	tern_close(c);
}

static void
idle_on_closed(struct tern_conn *c, int reason, void *arg)
{
	struct idle_slot *s = arg;
	struct lg_worker *lw = s->lw;

	(void)c;
	(void)reason;
	s->c = NULL;
	lw->idle_open--;
	lw->idle_failed += !s->established;
	lw->idle_closing -= s->closing;
	/* one lost before the measurement ends is an error */
	if (lg.phase < PH_DRAIN)
		lw->st.errors++;
}

static const struct tern_conn_ops idle_ops = {
	.on_connected = idle_on_connected,
	.on_recv = idle_on_recv,
	.on_peer_closed = idle_on_peer_closed,
	.on_closed = idle_on_closed,
};

/* Open more idle connections, from our 2nd..last addresses in turn (the
 * first stays for the measured ones); a bounded number of handshakes at once. */
void
lg_idle_open_some(struct lg_worker *lw)
{
	const struct tern_config *cfg = tern_stack_config(lg.stack);
	unsigned int started = 0;

	/* until one connection got through, one at a time: a burst of SYNs to
	 * a next hop still being resolved would overflow ARP's pending queue
	 * and wait a second for the SYN retransmission */
	uint64_t in_flight_max = lw->warm ? 4096 : 1;

	while (lw->idle_started < lw->idle_want &&
			lw->idle_started - lw->idle_est - lw->idle_failed < in_flight_max &&
			started < CONNECTS_PER_ITER) {
		struct idle_slot *s = &lw->idle[lw->idle_started];
		uint32_t saddr = htonl(ntohl(cfg->ip_addr) + 1 + lw->idle_addr);
		struct tern_conn *c;

		s->lw = lw;
		c = tern_connect_from(lw->w, saddr, lg.opts.target.v4, lg.opts.target.port,
				&idle_ops, s);

		if (c == NULL && rte_errno == EADDRNOTAVAIL &&
				lw->idle_addr + 2 < cfg->ip_addr_count) {
			lw->idle_addr++;          /* this address's ports are used up */
			continue;
		}
		if (c == NULL) {
			/* pairs used up (EADDRNOTAVAIL), no control block (ENOMEM:
			 * [tcp] max_conns), no route: hold what we have and go on */
			fprintf(stderr, "tern-loadgen: worker %u stops opening idle connections "
					"after %" PRIu64 ": %s%s\n", tern_worker_id(lw->w),
					lw->idle_started, rte_strerror(rte_errno),
					rte_errno == EADDRNOTAVAIL ? " (raise [ipv4] address_count or "
					"widen [tcp] port_min..port_max)" : "");
			lw->st.errors++;
			lw->last_errno = rte_errno;
			lw->idle_want = lw->idle_started;
			return;
		}
		s->c = c;
		lw->idle_started++;
		lw->idle_open++;
		started++;
	}
}

/* Worker 0: every worker holds its idle connections: the measurement starts. */
void
lg_idle_check(uint64_t now)
{
	for (unsigned int i = 0; i < lg.nlw; i++) {
		const struct lg_worker *lw = &lg.lws[i];

		/* every connection started, none still in its handshake */
		if (__atomic_load_n(&lw->idle_started, __ATOMIC_RELAXED) < lw->idle_want ||
				__atomic_load_n(&lw->idle_est, __ATOMIC_RELAXED) +
				__atomic_load_n(&lw->idle_failed, __ATOMIC_RELAXED) < lw->idle_want)
			return;
	}
	lg.idle_setup_us = now - lg.lws[0].start_us;
	if (!lg.opts.quiet)
		fprintf(stderr, "tern-loadgen: %" PRIu64 " idle connections open in %.2f s\n",
				lg.opts.idle, lg.idle_setup_us / 1e6);
	for (unsigned int i = 0; i < lg.nlw; i++)
		lg_start_clock(&lg.lws[i], now);
	__atomic_store_n(&lg.phase, PH_RUN, __ATOMIC_RELEASE);
}

/* Draining: close the idle connections, paced like their opening: a million
 * FINs at once (each answered by an ACK and a FIN) would overflow the device
 * queues, a poll reading only a burst of frames, and wait for RTOs. */
void
lg_idle_close_some(struct lg_worker *lw)
{
	unsigned int n = 0;

	while (lw->idle_closed_upto < lw->idle_started && lw->idle_closing < 4096 &&
			n < CONNECTS_PER_ITER / 4) {
		struct idle_slot *s = &lw->idle[lw->idle_closed_upto++];

		if (s->c == NULL)
			continue;
		s->closing = true;
		lw->idle_closing++;
		n++;
		tern_close(s->c);     /* on_closed follows (at once in SYN-SENT) */
	}
}
