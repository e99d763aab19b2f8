/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop (docs/design.md "One worker iteration"): the clock is read
 * once by the caller and passed in; then inbox, the frames other workers
 * passed to us, one rx burst carried to completion, timers, and one transmit
 * flush.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "core_priv.h"

#define INBOX_BURST 32

/* Messages from other workers: ARP and ND bindings they learned. */
static void
worker_drain_inbox(struct tern_worker *w)
{
	struct net_nbr_msg msgs[INBOX_BURST];
	unsigned int n;

	n = rte_ring_dequeue_burst_elem(w->inbox, msgs, sizeof(msgs[0]), INBOX_BURST, NULL);
	for (unsigned int i = 0; i < n; i++)
		if (msgs[i].type == NET_MSG_ARP)
			net_arp_learn(&w->nif, &msgs[i]);
		else if (msgs[i].type == NET_MSG_ND)
			net_nd_learn(&w->nif, &msgs[i]);
}

/*
 * The worker that owns the TCP frame @m (data offset at its IPv4 or IPv6
 * header, l3_len set): from the device's hash where the device hashes as the owner
 * function does, else from the owner function. An ICMP error about one of
 * our segments goes where its connection lives.
 */
static inline uint16_t
worker_frame_owner(const struct tern_worker *w, const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip;
	const struct rte_tcp_hdr *th;

	if (net_is_icmp_error(m)) {
		/* the owner of the connection the quote names, seen inbound */
		if (net_icmp_error_is_ip6(m)) {
			const struct rte_ipv6_hdr *q6 = net_icmp6_quoted_ip(m);
			const struct rte_tcp_hdr *qt6 = net_icmp6_quoted_tcp(m);

			return net_flow_owner6(w->nif.flow, q6->dst_addr, q6->src_addr,
					qt6->dst_port, qt6->src_port);
		}
		const struct rte_ipv4_hdr *q = net_icmp_quoted_ip(m);
		const struct rte_tcp_hdr *qt = net_icmp_quoted_tcp(m);

		return net_flow_owner(w->nif.flow, q->dst_addr, q->src_addr, qt->dst_port,
				qt->src_port);
	}
	if (unlikely(rte_pktmbuf_data_len(m) < m->l3_len + 2 * sizeof(rte_be16_t)))
		return w->id;   /* no ports to hash: TCP input here drops it */
	if (net_is_tcp6(m)) {
		const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);

		th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l3_len);
		return net_flow_owner6(w->nif.flow, ip6->src_addr, ip6->dst_addr, th->src_port,
				th->dst_port);
	}
	if ((w->nif.offloads & TERN_NETDEV_RSS_OURS) && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH))
		return net_flow_owner_of_hash(w->nif.flow, m->hash.rss);
	ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l3_len);
	return net_flow_owner(w->nif.flow, ip->src_addr, ip->dst_addr, th->src_port,
			th->dst_port);
}

/* Put @n frames on worker @owner's steering ring; what does not fit is freed. */
static void
worker_pass_to(struct tern_worker *w, uint16_t owner, struct rte_mbuf **m, uint16_t n)
{
	unsigned int sent = rte_ring_mp_enqueue_burst(w->stack->steer_rings[owner],
			(void **)m, n, NULL);

	w->stats.steer_tx += sent;
	if (unlikely(sent < n)) {
		w->stats.steer_drop_full += n - sent;
		/* an error counted in icmp_rx_error ends here, not in TCP */
		for (unsigned int i = sent; i < n; i++)
			w->stats.icmp_drop_steer += net_is_icmp_error(m[i]);
		rte_pktmbuf_free_bulk(&m[sent], n - sent);
	}
}

/*
 * Keep in @tcp, in order, the frames this worker owns and pass every other
 * one to its owner, one ring burst per owner (a flow's frames keep their
 * order). @return the frames kept.
 */
static uint16_t
worker_steer(struct tern_worker *w, struct rte_mbuf **tcp, uint16_t n)
{
	struct rte_mbuf *other[NET_BURST_MAX];
	uint16_t owner[NET_BURST_MAX];
	uint16_t kept = 0, left = 0;

	for (uint16_t i = 0; i < n; i++) {
		uint16_t o = worker_frame_owner(w, tcp[i]);

		if (likely(o == w->id)) {
			tcp[kept++] = tcp[i];
		} else {
			owner[left] = o;
			other[left++] = tcp[i];
		}
	}
	while (left != 0) {
		struct rte_mbuf *batch[NET_BURST_MAX];
		uint16_t dest = owner[0], nb = 0, rest = 0;

		for (uint16_t i = 0; i < left; i++) {
			if (owner[i] == dest) {
				batch[nb++] = other[i];
			} else {
				owner[rest] = owner[i];
				other[rest++] = other[i];
			}
		}
		worker_pass_to(w, dest, batch, nb);
		left = rest;
	}
	return kept;
}

/* TCP frames we own that arrived on other workers' queues. */
static uint16_t
worker_take_steered(struct tern_worker *w)
{
	struct rte_mbuf *pkts[NET_BURST_MAX];
	uint16_t n = (uint16_t)rte_ring_sc_dequeue_burst(w->steer, (void **)pkts, w->burst, NULL);

	w->stats.steer_rx += n;
	if (n != 0)
		tcp_input_burst(&w->tcp, pkts, n, true);
	return n;
}

static void
worker_timers(struct tern_worker *w, uint64_t now_us)
{
	tcp_timers_advance(&w->tcp, now_us);
	if (now_us >= w->next_arp_tick_us) {
		w->next_arp_tick_us = now_us + WORKER_ARP_TICK_US;
		net_arp_timer(&w->nif);
		net_nd_timer(&w->nif);
	}
}

/* One receive burst from @queue, carried through to TCP. @return frames received. */
static uint16_t
worker_rx_queue(struct tern_worker *w, uint16_t queue)
{
	struct tern_netdev *dev = w->nif.dev;
	struct rte_mbuf *pkts[NET_BURST_MAX];
	struct rte_mbuf *tcp[NET_BURST_MAX];
	uint16_t n, ntcp;

	n = dev->ops->rx_burst(dev, queue, pkts, w->burst);
	if (n != 0) {
		ntcp = net_input_burst(&w->nif, pkts, n, tcp);
		if (ntcp != 0 && w->steer != NULL)
			ntcp = worker_steer(w, tcp, ntcp);
		if (ntcp > 1 && w->nif.gro)
			ntcp = net_gro_burst(&w->nif, tcp, ntcp);
		if (ntcp != 0)
			tcp_input_burst(&w->tcp, tcp, ntcp, false);
	}
	return n;
}

unsigned int
tern_worker_poll(struct tern_worker *w, uint64_t now_us)
{
	uint16_t n, steered = 0;

	w->nif.now_us = now_us;
	/* the time since the previous iteration began was that iteration's:
	 * the load, from the clock already read, at no cost per frame */
	if (w->prev_poll_busy)
		w->stats.polls_busy_us += now_us - w->prev_poll_us;
	w->prev_poll_us = now_us;
	if (unlikely(!w->announced)) {
		/* worker 0 speaks for the address; the others share its queue's view */
		w->announced = true;
		if (w->id == 0) {
			net_arp_announce(&w->nif);
			net_nd_start_dad(&w->nif);
		}
	}
	if (unlikely(!rte_ring_empty(w->inbox)))
		worker_drain_inbox(w);
	if (w->steer != NULL && !rte_ring_empty(w->steer))
		steered = worker_take_steered(w);
	n = worker_rx_queue(w, w->id);
	/* queues past the workers ([port] queues) are shared out among them */
	for (uint16_t q = w->id + w->stride; unlikely(q < w->nb_queues); q += w->stride)
		n += worker_rx_queue(w, q);
	w->stats.polls++;
	w->prev_poll_busy = n != 0 || steered != 0;
	if (n != 0)
		w->stats.polls_busy++;
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
	/* a snapshot asked for (telemetry): the one load the data path pays
	 * for it, of a line the asker writes only when it asks */
	if (unlikely(__atomic_load_n(&w->snap->req, __ATOMIC_RELAXED) != w->snap_seen))
		core_snap_answer(w);
	return n;
}

/* Between two iterations, so every row is as the iteration left it. */
void __rte_noinline __rte_cold
core_snap_answer(struct tern_worker *w)
{
	struct core_snap *q = w->snap;
	uint32_t req = __atomic_load_n(&q->req, __ATOMIC_ACQUIRE);
	uint32_t max = RTE_MIN(q->max, (uint32_t)CORE_SNAP_ROWS);

	if (q->kind == CORE_SNAP_LISTENERS)
		q->n = tcp_listener_list(&w->tcp, q->rows.listeners, max);
	else
		q->n = tcp_conn_list(&w->tcp, &q->cursor, q->rows.conns, max);
	memcpy(q->counts, w->tcp.state_count, sizeof(q->counts));
	q->now_us = w->nif.now_us;
	w->snap_seen = req;
	__atomic_store_n(&q->done, req, __ATOMIC_RELEASE);
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

const struct tern_config *
tern_worker_config(const struct tern_worker *w)
{
	return &w->stack->cfg;
}

void
tern_worker_tcp_defaults(const struct tern_worker *w, struct tern_tcp_defaults *d)
{
	const struct tcp_params *p = &w->tcp.p;

	d->sndbuf = p->sndbuf;
	d->rcvbuf = p->rcvbuf;
	d->mss = p->mss;
	d->max_conns = p->max_conns;
	d->keepalive = p->keepalive;
	d->keepidle_s = p->keepidle_s;
	d->keepintvl_s = p->keepintvl_s;
	d->keepcnt = p->keepcnt;
	d->user_timeout_ms = p->user_timeout_ms;
}

struct rte_mempool *
tern_worker_pool(struct tern_worker *w)
{
	return w->pool;
}

uint16_t
tern_worker_send_frames(struct tern_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	return net_tx_now(&w->nif, pkts, n);
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

int
tern_listen_set_rcvbuf(struct tern_worker *w, uint16_t port, uint32_t bytes)
{
	return tcp_listen_set_rcvbuf(&w->tcp, port, bytes);
}

int
tern_listen_set_mss_cap(struct tern_worker *w, uint16_t port, uint32_t mss)
{
	return tcp_listen_set_mss_cap(&w->tcp, port, mss);
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

bool
tern_worker_ip6_usable(struct tern_worker *w, const uint8_t daddr[16])
{
	return w->nif.ip6_on && net_ipv6_src_for(&w->nif, daddr) != NULL;
}

struct tern_conn *
tern_connect6(struct tern_worker *w, const uint8_t daddr[16], uint16_t dport,
		const struct tern_conn_ops *ops, void *arg)
{
	struct tcp_cb *tp = tcp_connect6(&w->tcp, daddr, dport, ops, arg);

	return tp == NULL ? NULL : cb_conn(tp);
}

unsigned int
tern_worker_conn_list(struct tern_worker *w, uint32_t *cursor, struct tern_conn_info *rows,
		unsigned int max)
{
	return tcp_conn_list(&w->tcp, cursor, rows, max);
}

unsigned int
tern_worker_listeners(struct tern_worker *w, struct tern_listener_info *rows, unsigned int max)
{
	return tcp_listener_list(&w->tcp, rows, max);
}

void
tern_worker_conn_counts(const struct tern_worker *w, uint32_t counts[TERN_TCP_TIME_WAIT + 1])
{
	memcpy(counts, w->tcp.state_count, sizeof(w->tcp.state_count));
}
