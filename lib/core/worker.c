/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop (DESIGN.md "One worker iteration"): the clock is read once
 * by the caller and passed in; then inbox, one rx burst carried to completion,
 * timers, and one transmit flush.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core_priv.h"

#define INBOX_BURST 32

/* Messages from other workers: ARP bindings they learned. */
static void
worker_drain_inbox(struct tern_worker *w)
{
	struct net_arp_msg msgs[INBOX_BURST];
	unsigned int n;

	n = rte_ring_dequeue_burst_elem(w->inbox, msgs, sizeof(msgs[0]), INBOX_BURST, NULL);
	for (unsigned int i = 0; i < n; i++)
		if (msgs[i].type == NET_MSG_ARP)
			net_arp_learn(&w->nif, &msgs[i]);
}

static void
worker_timers(struct tern_worker *w, uint64_t now_us)
{
	tcp_timers_advance(&w->tcp, now_us);
	if (now_us >= w->next_arp_tick_us) {
		w->next_arp_tick_us = now_us + WORKER_ARP_TICK_US;
		net_arp_timer(&w->nif);
	}
}

unsigned int
tern_worker_poll(struct tern_worker *w, uint64_t now_us)
{
	struct tern_netdev *dev = w->nif.dev;
	struct rte_mbuf *pkts[NET_BURST_MAX];
	struct rte_mbuf *tcp[NET_BURST_MAX];
	uint16_t n, ntcp;

	w->nif.now_us = now_us;
	/* the time since the previous iteration began was that iteration's:
	 * the load, from the clock already read, at no cost per frame */
	if (w->prev_poll_busy)
		w->stats.polls_busy_us += now_us - w->prev_poll_us;
	w->prev_poll_us = now_us;
	if (unlikely(!w->announced)) {
		/* worker 0 speaks for the address; the others share its queue's view */
		w->announced = true;
		if (w->id == 0)
			net_arp_announce(&w->nif);
	}
	if (unlikely(!rte_ring_empty(w->inbox)))
		worker_drain_inbox(w);
	n = dev->ops->rx_burst(dev, w->id, pkts, w->burst);
	w->stats.polls++;
	w->prev_poll_busy = n != 0;
	if (n != 0) {
		w->stats.polls_busy++;
		ntcp = net_input_burst(&w->nif, pkts, n, tcp);
		if (ntcp != 0)
			tcp_input_burst(&w->tcp, tcp, ntcp);
	}
	worker_timers(w, now_us);
	/* one output pass: ACKs owed by the burst ride on the replies */
	tcp_output_pass(&w->tcp);
	tcp_reap(&w->tcp);
	net_tx_flush(&w->nif);
	if (w->hook != NULL) {
		/* what the hook queued goes out now, not an iteration later */
		w->hook(w, now_us, w->hook_arg);
		tcp_output_pass(&w->tcp);
		tcp_reap(&w->tcp);
		net_tx_flush(&w->nif);
	}
	return n;
}

void
tern_worker_set_poll_hook(struct tern_worker *w, tern_poll_hook_fn *fn, void *arg)
{
	w->hook = fn;
	w->hook_arg = arg;
}

uint64_t
tern_worker_now(const struct tern_worker *w)
{
	return w->nif.now_us;
}

uint64_t
tern_worker_next_event(const struct tern_worker *w)
{
	uint64_t t = RTE_MIN(tern_wheel_next_expiry(w->tcp.wheel),
			tern_wheel_next_expiry(w->tcp.tw_wheel));

	/* the ARP sweep only matters while the cache holds entries */
	if (net_arp_count(&w->nif) != 0)
		t = RTE_MIN(t, w->next_arp_tick_us);
	return t;
}

const struct tern_stats *
tern_worker_stats(const struct tern_worker *w)
{
	return &w->stats;
}

unsigned int
tern_worker_id(const struct tern_worker *w)
{
	return w->id;
}

struct rte_mempool *
tern_worker_pool(struct tern_worker *w)
{
	return w->pool;
}

/* µs = tsc * mult >> 32, mult = 2^32 * 1e6 / tsc_hz, set on first use. */
static uint64_t clock_mult;

uint64_t
tern_clock_us(void)
{
	if (unlikely(clock_mult == 0))
		clock_mult = ((uint64_t)1000000 << 32) / rte_get_tsc_hz();
	return (uint64_t)(((unsigned __int128)rte_get_tsc_cycles() * clock_mult) >> 32);
}

int
tern_listen(struct tern_worker *w, uint16_t port, tern_accept_fn *on_accept, void *arg)
{
	return tcp_listen(&w->tcp, port, on_accept, arg);
}

int
tern_unlisten(struct tern_worker *w, uint16_t port)
{
	return tcp_unlisten(&w->tcp, port);
}

struct tern_conn *
tern_connect(struct tern_worker *w, uint32_t daddr, uint16_t dport,
		const struct tern_conn_ops *ops, void *arg)
{
	return tern_connect_from(w, 0, daddr, dport, ops, arg);
}

struct tern_conn *
tern_connect_from(struct tern_worker *w, uint32_t saddr, uint32_t daddr, uint16_t dport,
		const struct tern_conn_ops *ops, void *arg)
{
	struct tcp_cb *tp = tcp_connect(&w->tcp, saddr, daddr, dport, ops, arg);

	return tp == NULL ? NULL : cb_conn(tp);
}

void
tern_worker_conn_counts(const struct tern_worker *w, uint32_t counts[TERN_TCP_TIME_WAIT + 1])
{
	memcpy(counts, w->tcp.state_count, sizeof(w->tcp.state_count));
}
