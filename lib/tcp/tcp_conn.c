/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control blocks, TIME_WAIT records, listeners, the connection table, and
 * the connection half of the public API (tern_send, tern_close...).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_random.h>

#include "tcp_priv.h"
#include "tern_secret.h"

RTE_LOG_REGISTER(tern_logtype_tcp, tern.tcp, INFO);

/* The tables' hash: Jenkins' lookup3 over the key's 32-bit words, keyed by
 * the worker's table_secret (their init value), so that a peer cannot pick
 * 4-tuples that share a bucket (docs/design.md, "TCP specifics"). */
static uint32_t
tcp_key_hash(const void *key, uint32_t len __rte_unused, uint32_t init)
{
	const uint32_t *w = key;

	return rte_jhash_3words(w[0], w[1], w[2], init);
}

/* The IPv6 table's hash: the same over the eleven words of a tcp_key6. */
static uint32_t
tcp_key6_hash(const void *key, uint32_t len __rte_unused, uint32_t init)
{
	return rte_jhash_32b(key, sizeof(struct tcp_key6) / sizeof(uint32_t), init);
}

static uint8_t
rcv_wscale_for(uint32_t rcvbuf)
{
	uint8_t s = 0;

	while (s < TCP_WSCALE_MAX && (rcvbuf >> s) > 65535)
		s++;
	return s;
}

static void
tcp_params_from_config(struct tcp_params *p, const struct tern_config *cfg, uint16_t mtu)
{
	p->max_conns = cfg->tcp_max_conns;
	p->max_time_wait = cfg->tcp_max_time_wait;
	p->syn_backlog = cfg->tcp_syn_backlog;
	p->sndbuf = cfg->tcp_sndbuf;
	p->rcvbuf = cfg->tcp_rcvbuf;
	p->mss = (uint16_t)(cfg->tcp_mss != 0 ? RTE_MIN(cfg->tcp_mss, mtu - 40u) : mtu - 40u);
	p->mss6 = (uint16_t)RTE_MIN(p->mss, mtu - 40u - TCP_IP6_EXTRA);
	p->timestamps = cfg->tcp_timestamps;
	p->window_scaling = cfg->tcp_window_scaling;
	p->sack = cfg->tcp_sack;
	p->keepalive = cfg->tcp_keepalive;
	/* without window scaling the window field caps what we can offer */
	if (!p->window_scaling && p->rcvbuf > 65535)
		p->rcvbuf = 65535;
	p->rcv_wscale = p->window_scaling ? rcv_wscale_for(p->rcvbuf) : 0;
	/* the queue must hold a whole window of full segments (else in-window
	 * data is dropped and resent), and bound tiny ones by count */
	p->reass_max = RTE_MAX((uint32_t)TCP_REASS_MIN_SEGS, p->rcvbuf / 256);
	p->time_wait_us = (uint64_t)cfg->tcp_time_wait_ms * 1000;
	p->fin_wait_2_us = (uint64_t)cfg->tcp_fin_wait_2_s * 1000000;
	p->delack_us = (uint64_t)cfg->tcp_delack_ms * 1000;
	p->rto_min_us = cfg->tcp_rto_min_ms * 1000;
	p->rto_max_us = cfg->tcp_rto_max_ms * 1000;
	p->retries = cfg->tcp_retries;
	p->syn_retries = cfg->tcp_syn_retries;
	p->keepidle_s = cfg->tcp_keepidle_s;
	p->keepintvl_s = cfg->tcp_keepintvl_s;
	p->keepcnt = (uint8_t)cfg->tcp_keepcnt;
	p->user_timeout_ms = cfg->tcp_user_timeout_ms;
	p->challenge_ack_limit = cfg->tcp_challenge_ack_limit;
	p->cc = cfg->tcp_cc == TERN_TCP_CC_CUBIC ? &tcp_cc_cubic : &tcp_cc_newreno;
	p->syncookies = (uint8_t)cfg->tcp_syncookies;
	p->port_min = (uint16_t)cfg->tcp_port_min;
	p->port_max = (uint16_t)cfg->tcp_port_max;
}

int
tcp_worker_init(struct tcp_worker *tw, struct net_if *nif, struct tern_stats *stats,
		const struct tern_config *cfg, struct tern_worker *owner, unsigned int id,
		unsigned int serial, int socket_id)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct rte_hash_parameters hp = { 0 };

	memset(tw, 0, sizeof(*tw));
	tw->nif = nif;
	tw->stats = stats;
	tw->owner = owner;
	tcp_params_from_config(&tw->p, cfg, nif->mtu);
	TAILQ_INIT(&tw->outq);
	TAILQ_INIT(&tw->reapq);
	TAILQ_INIT(&tw->twq);
	tern_secret_fill(tw->secret, sizeof(tw->secret));
	tern_secret_fill(tw->ts_secret, sizeof(tw->ts_secret));
	tern_secret_fill(tw->flow_label_secret, sizeof(tw->flow_label_secret));
	tern_secret_fill(tw->cookie_secret[0], sizeof(tw->cookie_secret[0]));
	tern_secret_fill(tw->cookie_secret[1], sizeof(tw->cookie_secret[1]));
	tern_secret_fill(&tw->table_secret, sizeof(tw->table_secret));
	tw->cookie_rotated_slot = tcp_cookie_slot_of(nif->now_us);
	tw->next_port = (uint16_t)(tw->p.port_min +
			rte_rand_max((uint64_t)tw->p.port_max - tw->p.port_min + 1));

	snprintf(name, sizeof(name), "tern%u_ct%u", serial, id);
	hp.name = name;
	hp.entries = RTE_MAX(tw->p.max_conns + tw->p.max_time_wait, 64u);
	hp.key_len = sizeof(struct tcp_key);
	hp.hash_func = tcp_key_hash;
	hp.hash_func_init_val = tw->table_secret;
	hp.socket_id = socket_id;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	tw->conns = rte_hash_create(&hp);
	if (nif->ip6_on) {
		/* IPv6: its own table, keyed by the whole tcp_key6; every pool
		 * element has room for the addresses in front (tcp_key6_of) */
		snprintf(name, sizeof(name), "tern%u_c6%u", serial, id);
		hp.key_len = sizeof(struct tcp_key6);
		hp.hash_func = tcp_key6_hash;
		tw->conns6 = rte_hash_create(&hp);
		if (tw->conns6 == NULL)
			return -ENOMEM;
		tw->key6_room = TCP_KEY6_ROOM;
	}
	snprintf(name, sizeof(name), "tern%u_cb%u", serial, id);
	if (tern_objpool_create(&tw->tcb_pool, name, tw->p.max_conns,
			tw->key6_room + sizeof(struct tcp_cb), socket_id) != 0)
		return -ENOMEM;
	snprintf(name, sizeof(name), "tern%u_tw%u", serial, id);
	if (tern_objpool_create(&tw->tw_pool, name, tw->p.max_time_wait,
			tw->key6_room + sizeof(struct tcp_timewait), socket_id) != 0)
		return -ENOMEM;
	tw->listeners = rte_zmalloc_socket("tern_listeners", 65536 * sizeof(tw->listeners[0]),
			RTE_CACHE_LINE_SIZE, socket_id);
	tw->wheel = tern_wheel_create(TERN_WHEEL_TICK_US_DEFAULT, socket_id);
	tw->tw_wheel = tern_wheel_create(TERN_WHEEL_TICK_US_DEFAULT, socket_id);
	if (tw->conns == NULL || tw->listeners == NULL || tw->wheel == NULL || tw->tw_wheel == NULL)
		return -ENOMEM;
	tw->sndq_mbufs_max = nif->pool->size;
	return 0;
}

/*
 * Receive refills the device's ring from the same pool the send queues take
 * their buffers from; a backlog that took every mbuf would starve receive,
 * and with it the ACKs that free the backlog (docs/design.md "Memory
 * pressure"). At most half the pool is kept back: the rest always sends.
 */
void
tcp_worker_set_rx_reserve(struct tcp_worker *tw, uint32_t rx_mbufs)
{
	uint32_t size = tw->nif->pool->size;

	tw->sndq_mbufs_max = size - RTE_MIN(rx_mbufs, size / 2);
}

/*
 * Every control block in the table (or, with @l, the half-open ones of that
 * listener), gathered first: dropping changes the table under an iterator.
 * @return a malloc'd array (caller frees) and its length in @n.
 */
static struct tcp_cb **
tcp_collect(struct tcp_worker *tw, const struct tcp_listener *l, uint32_t *n)
{
	struct rte_hash *tables[2] = { tw->conns, tw->conns6 };
	uint32_t cap = rte_hash_count(tw->conns) + 1;
	struct tcp_cb **v;
	const void *key;
	void *data;

	if (tw->conns6 != NULL)
		cap += rte_hash_count(tw->conns6);
	v = malloc(cap * sizeof(*v));
	*n = 0;
	if (v == NULL)
		return NULL;
	for (int t = 0; t < 2 && tables[t] != NULL; t++) {
		uint32_t iter = 0;

		while (*n < cap && rte_hash_iterate(tables[t], &key, &data, &iter) >= 0) {
			struct tcp_cb *tp = data;

			if (((uintptr_t)data & TW_TAG) || (l != NULL && tp->listener != l))
				continue;
			v[(*n)++] = tp;
		}
	}
	return v;
}

void
tcp_worker_abort_all(struct tcp_worker *tw)
{
	uint32_t n;
	struct tcp_cb **all;

	if (tw->conns == NULL)
		return;
	all = tcp_collect(tw, NULL, &n);
	/* every connection still open is aborted (the app hears of it) */
	for (uint32_t i = 0; all != NULL && i < n; i++)
		tcp_drop(all[i], TERN_CLOSE_ABORTED);
	free(all);
	while (!TAILQ_EMPTY(&tw->twq))
		tcp_timewait_free(tw, TAILQ_FIRST(&tw->twq));
	tcp_reap(tw);
}

void
tcp_worker_fini(struct tcp_worker *tw)
{
	if (tw->conns != NULL) {
		tcp_worker_abort_all(tw);
		rte_hash_free(tw->conns);
		rte_hash_free(tw->conns6);
	}
	if (tw->listeners != NULL) {
		for (uint32_t i = 0; i < 65536; i++)
			rte_free(tw->listeners[i]);
		rte_free(tw->listeners);
	}
	tern_objpool_free(&tw->tcb_pool);
	tern_objpool_free(&tw->tw_pool);
	tern_wheel_free(tw->wheel);
	tern_wheel_free(tw->tw_wheel);
	memset(tw, 0, sizeof(*tw));
}

/* with its mempool header, a control block takes 576 bytes: keep it there
 * (an idle connection's memory is mostly this, see docs/bench.md) */
_Static_assert(sizeof(struct tcp_cb) <= 512, "struct tcp_cb grew past 512 bytes");
/* an IPv6 key's addresses sit in the room before a control block or record,
 * whose keys come first (tcp_key6_of) */
_Static_assert(offsetof(struct tcp_key6, k) <= TCP_KEY6_ROOM &&
		offsetof(struct tcp_cb, key) == 0 && offsetof(struct tcp_timewait, key) == 0,
		"tcp_key6: the addresses must fit in front of the key");
/* what a segment of an established connection touches ends within six lines */
_Static_assert(offsetof(struct tcp_cb, deadline) + sizeof(((struct tcp_cb *)0)->deadline) <=
		6 * RTE_CACHE_LINE_SIZE, "struct tcp_cb: per-segment fields past six cache lines");

/* The table @key goes in, and the bytes it is keyed by there. */
static struct rte_hash *
tcp_table_of(const struct tcp_worker *tw, const struct tcp_key *key, const void **tkey)
{
	if (likely(!tcp_key_is_ip6(key))) {
		*tkey = key;
		return tw->conns;
	}
	*tkey = tcp_key6_of(key);
	return tw->conns6;
}

/* The bit of @key in the filter of changed keys: one of its hash (IPv4 and
 * IPv6 keys alike, by the four-tuple's words tcp_key holds), keyed as the
 * tables are, so a peer cannot pick keys that share a bit. */
static inline uint32_t
tcp_table_changed_bit(const struct tcp_worker *tw, const struct tcp_key *key)
{
	return tcp_key_hash(key, sizeof(*key), tw->table_secret) % (TCP_TABLE_CHANGED_WORDS * 64);
}

static void
tcp_table_mark_changed(struct tcp_worker *tw, const struct tcp_key *key)
{
	uint32_t bit = tcp_table_changed_bit(tw, key);

	tw->table_changed[bit / 64] |= UINT64_C(1) << (bit % 64);
}

/* From now on, note which keys the tables change (tcp_table_changed). */
void
tcp_table_watch(struct tcp_worker *tw)
{
	memset(tw->table_changed, 0, sizeof(tw->table_changed));
}

/*
 * Whether an entry of @key may have been added, replaced or deleted since
 * tcp_table_watch(): a lookup made before then may be stale. A filter: it
 * may answer true for a key not changed, never false for one that was.
 */
bool
tcp_table_changed(const struct tcp_worker *tw, const struct tcp_key *key)
{
	uint64_t any = 0;
	uint32_t bit;

	/* most bursts change nothing: no hash for them */
	for (int i = 0; i < TCP_TABLE_CHANGED_WORDS; i++)
		any |= tw->table_changed[i];
	if (any == 0)
		return false;
	bit = tcp_table_changed_bit(tw, key);
	return (tw->table_changed[bit / 64] >> (bit % 64)) & 1;
}

void *
tcp_table_lookup(struct tcp_worker *tw, const struct tcp_key *key)
{
	const void *tkey;
	struct rte_hash *h = tcp_table_of(tw, key, &tkey);
	void *data;

	return rte_hash_lookup_data(h, tkey, &data) < 0 ? NULL : data;
}

static int
tcp_table_add(struct tcp_worker *tw, const struct tcp_key *key, void *data)
{
	const void *tkey;
	struct rte_hash *h = tcp_table_of(tw, key, &tkey);

	tcp_table_mark_changed(tw, key);
	return rte_hash_add_key_data(h, tkey, data);
}

static void
tcp_table_del(struct tcp_worker *tw, const struct tcp_key *key)
{
	const void *tkey;
	struct rte_hash *h = tcp_table_of(tw, key, &tkey);

	rte_hash_del_key(h, tkey);
	tcp_table_mark_changed(tw, key);
}

/*
 * Place @key at @dst, the key of a control block or record in a pool
 * element: an IPv6 key brings its addresses into the room in front.
 */
static void
tcp_key_place(struct tcp_key *dst, const struct tcp_key *key)
{
	if (unlikely(tcp_key_is_ip6(key)))
		memcpy((uint8_t *)dst - offsetof(struct tcp_key6, k), tcp_key6_of(key),
				sizeof(struct tcp_key6));
	else
		*dst = *key;
}

struct tcp_cb *
tcp_cb_alloc(struct tcp_worker *tw, const struct tcp_key *key)
{
	struct tcp_cb *tp;
	void *elem;

	elem = tern_objpool_get(&tw->tcb_pool);
	if (elem == NULL)
		return NULL;
	tp = RTE_PTR_ADD(elem, tw->key6_room);
	memset(tp, 0, sizeof(*tp));
	tcp_key_place(&tp->key, key);
	tp->tw = tw;
	tp->state = TERN_TCP_CLOSED;
	tern_mbufq_init(&tp->sndq);
	tern_mbufq_init(&tp->reass);
	tern_wheel_node_init(&tp->tmo);
	for (int i = 0; i < TT_N; i++)
		tp->deadline[i] = UINT64_MAX;
	tp->rto_us = TCP_RTO_INITIAL_US;
	tp->peer_mss = TCP_MSS_DEFAULT;
	tp->rcv_wnd = tw->p.rcvbuf;
	tp->rcvbuf = tw->p.rcvbuf;
	if (tw->p.keepalive)
		tp->flags |= TF_KEEPALIVE;
	tp->keepidle_s = (uint16_t)tw->p.keepidle_s;
	tp->keepintvl_s = (uint16_t)tw->p.keepintvl_s;
	tp->keepcnt = tw->p.keepcnt;
	tp->user_timeout_ms = tw->p.user_timeout_ms;
	if (tp->user_timeout_ms != 0)
		tp->flags |= TF_USER_TIMEOUT;
	tcp_progress(tp);
	tp->last_rcv_us = tw->nif->now_us;
	tp->born_hi = (uint32_t)(tw->nif->now_us >> TCP_TS_SHIFT);
	tp->cc = tw->p.cc;
	if (tcp_table_add(tw, &tp->key, tp) != 0) {
		tern_objpool_put(&tw->tcb_pool, elem);
		return NULL;
	}
	tw->n_tcb++;
	tw->state_count[TERN_TCP_CLOSED]++;
	return tp;
}

void
tcp_set_state(struct tcp_cb *tp, uint8_t state)
{
	tp->tw->state_count[tp->state]--;
	tp->tw->state_count[state]++;
	tp->state = state;
}

void
tcp_notify_closed(struct tcp_cb *tp, int reason)
{
	if ((tp->flags & TF_APP_KNOWS) && tp->ops != NULL && tp->ops->on_closed != NULL) {
		tp->flags &= ~TF_APP_KNOWS;
		tp->ops->on_closed(cb_conn(tp), reason, tp->ops_arg);
	}
	tp->flags &= ~TF_APP_KNOWS;
}

static void
tcp_count_close(struct tern_stats *st, int reason)
{
	switch (reason) {
	case TERN_CLOSE_NORMAL: st->tcp_conn_closed++; break;
	case TERN_CLOSE_RESET: st->tcp_conn_reset++; break;
	case TERN_CLOSE_TIMEOUT: st->tcp_conn_timeout++; break;
	case TERN_CLOSE_UNREACHABLE: st->tcp_conn_unreachable++; break;
	case TERN_CLOSE_REFUSED: st->tcp_conn_refused++; break;
	default: st->tcp_conn_aborted++; break;
	}
}

/* Take @tp out of service: queues freed, timers off, onto the reap list. */
static void
tcp_cb_retire(struct tcp_cb *tp, int reason, bool unhash)
{
	struct tcp_worker *tw = tp->tw;
	/* still on a listener's SYN queue: never a connection the app knew */
	bool half_open = tp->listener != NULL;

	if (tp->flags & TF_DEAD)
		return;
	if (unhash)
		tcp_table_del(tw, &tp->key);
	tcp_timer_stop_all(tp);
	tcp_reass_purge(tp);
	tcp_sndq_purge(tp);
	if (tp->listener != NULL) {
		tp->listener->syn_count--;
		tp->listener = NULL;
	}
	if (tp->flags & TF_OUTQ)
		TAILQ_REMOVE(&tw->outq, tp, out_link);
	tp->flags = (tp->flags & ~TF_OUTQ) | TF_DEAD;
	tcp_set_state(tp, TERN_TCP_CLOSED);
	TAILQ_INSERT_TAIL(&tw->reapq, tp, out_link);
	if (half_open)
		tw->stats->tcp_syn_recv_dropped++;
	else
		tcp_count_close(tw->stats, reason);
	tcp_notify_closed(tp, reason);
}

void
tcp_drop(struct tcp_cb *tp, int reason)
{
	tcp_cb_retire(tp, reason, true);
}

void
tcp_reap(struct tcp_worker *tw)
{
	struct tcp_cb *tp;

	while ((tp = TAILQ_FIRST(&tw->reapq)) != NULL) {
		TAILQ_REMOVE(&tw->reapq, tp, out_link);
		tw->state_count[TERN_TCP_CLOSED]--;
		tw->n_tcb--;
		tern_objpool_put(&tw->tcb_pool, RTE_PTR_SUB(tp, tw->key6_room));
	}
}

/* @t leaves every list but the table, whose entry now points elsewhere (a
 * control block that took the pair over, tcp_cb_alloc_over). */
static void
tcp_timewait_release(struct tcp_worker *tw, struct tcp_timewait *t)
{
	tern_wheel_disarm(tw->tw_wheel, &t->tmo);
	TAILQ_REMOVE(&tw->twq, t, link);
	tw->n_tw--;
	tw->state_count[TERN_TCP_TIME_WAIT]--;
	tern_objpool_put(&tw->tw_pool, RTE_PTR_SUB(t, tw->key6_room));
}

void
tcp_timewait_free(struct tcp_worker *tw, struct tcp_timewait *t)
{
	tcp_table_del(tw, &t->key);
	tcp_timewait_release(tw, t);
}

/*
 * A control block for @key that takes over the pair the TIME_WAIT record
 * @t holds (NULL: none): its table insert updates @t's entry in place, one
 * operation where a delete and an insert were, and @t goes. @iss_floor
 * gets RFC 6191 §2's floor for the new ISS, past the old incarnation's
 * SND.NXT (0 without @t). NULL where no block is left; @t then stays.
 */
struct tcp_cb *
tcp_cb_alloc_over(struct tcp_worker *tw, const struct tcp_key *key, struct tcp_timewait *t,
		uint32_t *iss_floor)
{
	struct tcp_cb *tp = tcp_cb_alloc(tw, key);

	*iss_floor = 0;
	if (tp != NULL && t != NULL) {
		*iss_floor = t->snd_nxt + 65536;
		tcp_timewait_release(tw, t);
	}
	return tp;
}

/* The ISS of a new connection on @key: tcp_isn's, raised to @iss_floor
 * where that is not 0 (tcp_cb_alloc_over). */
uint32_t
tcp_iss(struct tcp_worker *tw, const struct tcp_key *key, uint32_t iss_floor)
{
	uint32_t iss = tcp_isn(tw, key);

	return iss_floor != 0 && seq_lt(iss, iss_floor) ? iss_floor : iss;
}

void
tcp_enter_time_wait(struct tcp_cb *tp, bool send_ack)
{
	struct tcp_worker *tw = tp->tw;
	struct tcp_timewait *t;
	void *elem;

	if (tw->n_tw >= tw->p.max_time_wait) {
		/* like Linux past tcp_max_tw_buckets: the oldest pair leaves early */
		tw->stats->tcp_time_wait_overflow++;
		tcp_timewait_free(tw, TAILQ_FIRST(&tw->twq));
	}
	elem = tern_objpool_get(&tw->tw_pool);
	if (elem == NULL) {
		tw->stats->tcp_time_wait_overflow++;
		tcp_drop(tp, TERN_CLOSE_NORMAL);
		return;
	}
	t = RTE_PTR_ADD(elem, tw->key6_room);
	memset(t, 0, sizeof(*t));
	tcp_key_place(&t->key, &tp->key);
	t->snd_nxt = tp->snd_max;
	t->rcv_nxt = tp->rcv_nxt;
	t->ts_recent = tp->ts_recent;
	t->ts_offset = tp->ts_offset;
	t->has_ts = !!(tp->flags & TF_TS);
	t->peer_seen_us = tw->nif->now_us;
	t->rcv_wnd = (uint16_t)RTE_MIN(tcp_rcv_window(tp) >> tp->rcv_wscale, 65535u);
	tern_wheel_node_init(&t->tmo);
	/* the table now points at the record; the control block goes */
	tcp_table_add(tw, &t->key, (void *)((uintptr_t)t | TW_TAG));
	TAILQ_INSERT_TAIL(&tw->twq, t, link);
	tw->n_tw++;
	tw->state_count[TERN_TCP_TIME_WAIT]++;
	tw->stats->tcp_time_wait_entered++;
	tcp_timewait_arm(tw, t);
	tcp_cb_retire(tp, TERN_CLOSE_NORMAL, false);
	if (send_ack)
		tcp_timewait_send_ack(tw, t);
}

int
tcp_listen(struct tcp_worker *tw, uint16_t port, tern_accept_fn *fn, void *arg)
{
	struct tcp_listener *l;

	if (port == 0 || fn == NULL)
		return -EINVAL;
	if (tw->listeners[port] != NULL)
		return -EADDRINUSE;
	l = rte_zmalloc("tern_listener", sizeof(*l), 0);
	if (l == NULL)
		return -ENOMEM;
	l->port = port;
	l->rcvbuf = tw->p.rcvbuf;
	l->on_accept = fn;
	l->arg = arg;
	tw->listeners[port] = l;
	return 0;
}

int
tcp_unlisten(struct tcp_worker *tw, uint16_t port)
{
	struct tcp_listener *l = tw->listeners[port];
	struct tcp_cb **half;
	uint32_t n = 0;

	if (l == NULL)
		return -ENOENT;
	if (l->syn_count != 0) {
		half = tcp_collect(tw, l, &n);
		if (half == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < n; i++) {
			tcp_send_rst(half[i]);
			tcp_drop(half[i], TERN_CLOSE_ABORTED);
		}
		free(half);
	}
	tw->listeners[port] = NULL;
	rte_free(l);
	return 0;
}

/*
 * The next local (address, port) to try: one cursor walks every port of an
 * address, then the next address (with @p saddr 0), so a stack with many
 * addresses offers addresses x ports distinct pairs to one destination.
 */
static void
tcp_next_local(struct tcp_worker *tw, rte_be32_t saddr, struct tcp_key *key)
{
	uint16_t port = tw->next_port;

	tw->next_port = port >= tw->p.port_max ? tw->p.port_min : port + 1;
	if (saddr == 0) {
		saddr = rte_cpu_to_be_32(rte_be_to_cpu_32(tw->nif->addr) + tw->next_addr);
		if (port >= tw->p.port_max && ++tw->next_addr == tw->nif->addr_count)
			tw->next_addr = 0;
	}
	key->laddr = saddr;
	key->lport = rte_cpu_to_be_16(port);
}

/*
 * Whether the peer's replies to @p key come to this worker: the owner
 * function gives the 4-tuple to it (net_flow.h). So two workers never pick
 * the same 4-tuple, and no reply needs passing on.
 */
static bool
tcp_local_is_ours(const struct tcp_worker *tw, const struct tcp_key *key)
{
	const struct net_if *nif = tw->nif;

	return nif->n_workers <= 1 || nif->flow == NULL ||
		net_flow_owner(nif->flow, key->raddr, key->laddr, key->rport, key->lport) ==
		nif->self;
}

static struct tcp_cb *tcp_active_open(struct tcp_cb *tp, const struct tern_conn_ops *ops,
		void *arg, uint32_t iss_floor);

/*
 * Whether a connect of ours may take over the pair that TIME_WAIT record @t
 * holds (as Linux's tcp_tw_reuse): RFC 6191's test, made from the side that
 * holds the record. With timestamps on the old connection, our TSvals on the
 * pair keep rising across both (the offset is the pair's, tcp_ts_offset), so
 * the peer's PAWS (RFC 7323 §5) tells the two connections' segments apart.
 * A second after TIME_WAIT began, or after the peer last resent its FIN, our
 * last ACK has had its time to land and the peer has most likely left
 * LAST_ACK (were it still there, our SYN would draw its FIN or a challenge
 * ACK, our RST would clear it, and the SYN's resend would open the pair).
 * The new ISS starts past the old SND.NXT.
 */
static bool
tcp_timewait_reconnectable(const struct tcp_worker *tw, const struct tcp_timewait *t)
{
	return t->has_ts && tw->nif->now_us - t->peer_seen_us >= TCP_TW_RECONNECT_US;
}

/*
 * A control block for an active open over the pair @key where the pair is
 * free, or held by a TIME_WAIT record we may take over (its record goes,
 * @iss_floor gets the ISS's floor; else 0). NULL where the pair is taken,
 * @err 0, or where no block is left, @err ENOMEM.
 */
static struct tcp_cb *
tcp_claim_pair(struct tcp_worker *tw, const struct tcp_key *key, uint32_t *iss_floor,
		int *err)
{
	struct tcp_timewait *t = NULL;
	struct tcp_cb *tp;
	void *data;

	*err = 0;
	*iss_floor = 0;
	data = tcp_table_lookup(tw, key);
	if (data != NULL) {
		t = (struct tcp_timewait *)((uintptr_t)data & ~TW_TAG);
		if (!((uintptr_t)data & TW_TAG) || !tcp_timewait_reconnectable(tw, t))
			return NULL;
	}
	/* the record stays if this fails */
	tp = tcp_cb_alloc_over(tw, key, t, iss_floor);
	if (tp == NULL) {
		*err = ENOMEM;
		return NULL;
	}
	if (t != NULL)
		tw->stats->tcp_time_wait_reconnected++;
	return tp;
}

struct tcp_cb *
tcp_connect(struct tcp_worker *tw, rte_be32_t saddr, rte_be32_t daddr, uint16_t dport,
		const struct tern_conn_ops *ops, void *arg)
{
	uint64_t tries = (uint64_t)((uint32_t)tw->p.port_max - tw->p.port_min + 1) *
		(saddr != 0 ? 1 : tw->nif->addr_count);
	struct tcp_key key = { .raddr = daddr, .rport = rte_cpu_to_be_16(dport) };
	struct tcp_cb *tp = NULL;
	uint32_t iss_floor = 0;
	int err;

	if (dport == 0 || daddr == 0 || net_ipv4_next_hop(tw->nif, daddr) == 0) {
		rte_errno = dport == 0 || daddr == 0 ? EINVAL : EHOSTUNREACH;
		return NULL;
	}
	if (saddr != 0 && !net_if_owns(tw->nif, saddr)) {
		rte_errno = EADDRNOTAVAIL;
		return NULL;
	}
	for (uint64_t i = 0; i < tries; i++) {
		tcp_next_local(tw, saddr, &key);
		if (!tcp_local_is_ours(tw, &key) ||
				tw->listeners[rte_be_to_cpu_16(key.lport)] != NULL)
			continue;
		tp = tcp_claim_pair(tw, &key, &iss_floor, &err);
		if (tp != NULL)
			break;
		if (err != 0) {
			rte_errno = err;
			return NULL;
		}
	}
	if (tp == NULL) {
		rte_errno = EADDRNOTAVAIL;
		return NULL;
	}
	return tcp_active_open(tp, ops, arg, iss_floor);
}

/*
 * The local address (ours for @p daddr: link-local to link-local, else
 * global) and a port whose replies come to this worker, for an IPv6 active
 * open, claimed (tcp_claim_pair). @return its control block, or NULL with
 * rte_errno set.
 */
static struct tcp_cb *
tcp_pick_local6(struct tcp_worker *tw, struct tcp_key6 *k6, uint32_t *iss_floor)
{
	const struct net_if *nif = tw->nif;
	const uint8_t *src = net_ipv6_src_for(nif, k6->raddr);
	uint32_t tries = (uint32_t)tw->p.port_max - tw->p.port_min + 1;
	int err;

	if (src == NULL) {
		rte_errno = EADDRNOTAVAIL;     /* none in use yet (DAD) */
		return NULL;
	}
	memcpy(k6->laddr, src, NET_IP6_LEN);
	k6->k.laddr = 0;                   /* tcp_key_is_ip6 */
	memcpy(&k6->k.raddr, &k6->raddr[12], sizeof(k6->k.raddr));
	for (uint32_t i = 0; i < tries; i++) {
		uint16_t port = tw->next_port;

		tw->next_port = port >= tw->p.port_max ? tw->p.port_min : port + 1;
		k6->k.lport = rte_cpu_to_be_16(port);
		if ((nif->n_workers <= 1 || nif->flow == NULL ||
				net_flow_owner6(nif->flow, k6->raddr, k6->laddr, k6->k.rport,
					k6->k.lport) == nif->self) && tw->listeners[port] == NULL) {
			struct tcp_cb *tp = tcp_claim_pair(tw, &k6->k, iss_floor, &err);

			if (tp != NULL)
				return tp;
			if (err != 0) {
				rte_errno = err;
				return NULL;
			}
		}
	}
	rte_errno = EADDRNOTAVAIL;
	return NULL;
}

struct tcp_cb *
tcp_connect6(struct tcp_worker *tw, const uint8_t *daddr, uint16_t dport,
		const struct tern_conn_ops *ops, void *arg)
{
	struct tcp_key6 k6 = { .k = { .rport = rte_cpu_to_be_16(dport) } };
	struct tcp_cb *tp;
	uint32_t iss_floor;

	if (tw->conns6 == NULL) {
		rte_errno = EAFNOSUPPORT;      /* no [ipv6] */
		return NULL;
	}
	if (dport == 0 || net_ip6_is_zero(daddr) || net_ip6_is_multicast(daddr) ||
			net_ip6_is_loopback(daddr) || net_ip6_is_v4_mapped(daddr)) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (net_ipv6_next_hop(tw->nif, daddr) == NULL) {
		rte_errno = EHOSTUNREACH;
		return NULL;
	}
	memcpy(k6.raddr, daddr, NET_IP6_LEN);
	tp = tcp_pick_local6(tw, &k6, &iss_floor);
	return tp != NULL ? tcp_active_open(tp, ops, arg, iss_floor) : NULL;
}

/* What an active open of either family sets up in @tp, then the SYN; its
 * ISS no lower than @iss_floor where that is not 0 (tcp_iss). */
static struct tcp_cb *
tcp_active_open(struct tcp_cb *tp, const struct tern_conn_ops *ops, void *arg,
		uint32_t iss_floor)
{
	struct tcp_worker *tw = tp->tw;

	tp->iss = tcp_iss(tw, &tp->key, iss_floor);
	tp->snd_una = tp->snd_nxt = tp->snd_max = tp->recover = tp->iss;
	tp->ts_offset = tcp_ts_offset(tw, &tp->key);
	/* what we offer; the SYN-ACK tells what the peer takes */
	if (tw->p.timestamps)
		tp->flags |= TF_TS;
	if (tw->p.sack)
		tp->flags |= TF_SACK;
	if (tw->p.window_scaling) {
		tp->flags |= TF_WSCALE;
		tp->rcv_wscale = tw->p.rcv_wscale;
	}
	tp->ops = ops;
	tp->ops_arg = arg;
	tp->flags |= TF_APP_KNOWS;
	tcp_set_state(tp, TERN_TCP_SYN_SENT);
	tcp_output_sched(tp);
	return tp;
}

/* ---------------------------------------------------------------------- */
/* public API: connections                                                */
/* ---------------------------------------------------------------------- */

void
tern_conn_set_ops(struct tern_conn *c, const struct tern_conn_ops *ops, void *arg)
{
	struct tcp_cb *tp = conn_cb(c);

	tp->ops = ops;
	tp->ops_arg = arg;
}

static bool
tcp_can_send(const struct tcp_cb *tp)
{
	switch (tp->state) {
	case TERN_TCP_SYN_SENT:
	case TERN_TCP_SYN_RECEIVED:
	case TERN_TCP_ESTABLISHED:
	case TERN_TCP_CLOSE_WAIT:
		return true;
	default:
		return false;
	}
}

static int
tcp_send_check(const struct tcp_cb *tp)
{
	if (tp->flags & TF_DEAD)
		return -ENOTCONN;
	if (tp->flags & TF_FIN_QUEUED)
		return -EPIPE;
	return tcp_can_send(tp) ? 0 : -ENOTCONN;
}

uint32_t
tern_send_space(const struct tern_conn *c)
{
	const struct tcp_cb *tp = (const struct tcp_cb *)c;

	if (tcp_send_check(tp) != 0 || tp->sndq_bytes >= tp->tw->p.sndbuf)
		return 0;
	return tp->tw->p.sndbuf - tp->sndq_bytes;
}

/* tern_send and tern_send_static: as much of @p len as fits, queued by @p append. */
static int
tcp_send_bytes(struct tern_conn *c, const void *buf, size_t len,
		int (*append)(struct tcp_cb *tp, const void *buf, uint32_t len))
{
	struct tcp_cb *tp = conn_cb(c);
	uint32_t n;
	int rc = tcp_send_check(tp);

	if (rc != 0)
		return rc;
	n = (uint32_t)RTE_MIN(len, (size_t)tern_send_space(c));
	if (n == 0)
		return 0;
	rc = append(tp, buf, n);
	if (rc > 0)
		tcp_output_sched(tp);
	return rc;
}

int
tern_send(struct tern_conn *c, const void *buf, size_t len)
{
	return tcp_send_bytes(c, buf, len, tcp_sndq_append);
}

int
tern_send_static(struct tern_conn *c, const void *data, size_t len)
{
	return tcp_send_bytes(c, data, len, tcp_sndq_append_static);
}

int
tern_send_mbuf(struct tern_conn *c, struct rte_mbuf *m)
{
	struct tcp_cb *tp = conn_cb(c);
	uint32_t len = rte_pktmbuf_pkt_len(m);
	int rc = tcp_send_check(tp);

	if (rc == 0 && len > tern_send_space(c))
		rc = -EMSGSIZE;
	if (rc != 0 || len == 0) {
		rte_pktmbuf_free(m);
		return rc;
	}
	tcp_sndq_append_mbuf(tp, m);
	tcp_output_sched(tp);
	return (int)len;
}

void
tern_recv_hold(struct tern_conn *c, int on)
{
	struct tcp_cb *tp = conn_cb(c);

	if (on) {
		tp->flags |= TF_RCV_HOLD;
	} else {
		tp->flags &= ~TF_RCV_HOLD;
		tern_recved(c, tp->rcv_held);
	}
}

void
tern_recved(struct tern_conn *c, uint32_t bytes)
{
	struct tcp_cb *tp = conn_cb(c);
	uint32_t before, after;

	if (tp->flags & TF_DEAD)
		return;
	before = tcp_rcv_window(tp);
	tp->rcv_held -= RTE_MIN(bytes, tp->rcv_held);
	after = tcp_rcv_window(tp);
	/* a window update when the right edge moved usefully (tcp_rcv_window
	 * already applies the RFC 9293 §3.8.6.2.2 threshold) */
	if (after > before && tp->state >= TERN_TCP_ESTABLISHED) {
		tp->flags |= TF_ACKNOW;
		tcp_output_sched(tp);
	}
}

/* A receive buffer within what the window shift offered allows. */
static uint32_t
tcp_rcvbuf_fit(const struct tcp_worker *tw, uint32_t bytes)
{
	return RTE_MAX(RTE_MIN(bytes, tw->p.rcvbuf), (uint32_t)tw->p.mss);
}

uint32_t
tern_conn_set_rcvbuf(struct tern_conn *c, uint32_t bytes)
{
	struct tcp_cb *tp = conn_cb(c);

	tp->rcvbuf = tcp_rcvbuf_fit(tp->tw, bytes);
	return tp->rcvbuf;
}

int
tcp_listen_set_rcvbuf(struct tcp_worker *tw, uint16_t port, uint32_t bytes)
{
	struct tcp_listener *l = tw->listeners[port];

	if (l == NULL)
		return -ENOENT;
	l->rcvbuf = tcp_rcvbuf_fit(tw, bytes);
	return (int)l->rcvbuf;
}

/* An MSS cap within TERN_MSS_CAP_MIN .. TERN_MSS_CAP_MAX, or 0 (none). */
static bool
tcp_mss_cap_valid(uint32_t mss)
{
	return mss == 0 || (mss >= TERN_MSS_CAP_MIN && mss <= TERN_MSS_CAP_MAX);
}

int
tern_conn_set_mss_cap(struct tern_conn *c, uint32_t mss)
{
	struct tcp_cb *tp = conn_cb(c);

	if (!tcp_mss_cap_valid(mss))
		return -EINVAL;
	if (tp->seg_max != 0)   /* tcp_set_mss has run */
		return -EISCONN;
	tp->mss_cap = (uint16_t)mss;
	return 0;
}

int
tcp_listen_set_mss_cap(struct tcp_worker *tw, uint16_t port, uint32_t mss)
{
	struct tcp_listener *l = tw->listeners[port];

	if (l == NULL)
		return -ENOENT;
	if (!tcp_mss_cap_valid(mss))
		return -EINVAL;
	l->mss_cap = (uint16_t)mss;
	return 0;
}

int
tern_conn_set_keepalive(struct tern_conn *c, int on, uint32_t idle_s, uint32_t intvl_s,
		uint32_t cnt)
{
	struct tcp_cb *tp = conn_cb(c);

	if (idle_s == 0 || intvl_s == 0 || cnt == 0 || cnt > UINT8_MAX ||
			idle_s > TCP_KEEP_S_MAX || intvl_s > TCP_KEEP_S_MAX)
		return -EINVAL;
	tp->keepidle_s = (uint16_t)idle_s;
	tp->keepintvl_s = (uint16_t)intvl_s;
	tp->keepcnt = (uint8_t)cnt;
	if (on)
		tp->flags |= TF_KEEPALIVE;
	else
		tp->flags &= ~TF_KEEPALIVE;
	/* probing starts in ESTABLISHED (tcp_input.c); later, from the last
	 * segment, or, while probes are unanswered, one interval from now */
	if ((tp->flags & TF_DEAD) || tp->state < TERN_TCP_ESTABLISHED)
		return 0;
	if (on && tp->keep_probes != 0)
		tcp_timer_set(tp, TT_KEEP, tp->tw->nif->now_us + (uint64_t)intvl_s * 1000000);
	else
		tcp_keep_arm(tp, tp->last_rcv_us);
	return 0;
}

int
tern_conn_set_user_timeout(struct tern_conn *c, uint32_t ms)
{
	struct tcp_cb *tp = conn_cb(c);

	if (ms > TERN_USER_TIMEOUT_MS_MAX)
		return -EINVAL;
	tp->user_timeout_ms = ms;
	if (ms != 0 && !(tp->flags & TF_USER_TIMEOUT)) {
		tp->flags |= TF_USER_TIMEOUT;
		tcp_progress(tp);       /* its clock was not kept: count from now */
	} else if (ms == 0) {
		tp->flags &= ~TF_USER_TIMEOUT;
	}
	return 0;
}

/* A hold came off, or a push is asked: send what the holds kept back. */
static void
tcp_cork_release(struct tcp_cb *tp)
{
	tp->flags |= TF_PUSH;
	tcp_output_sched(tp);
}

/* Put on or take off the hold @flag (TF_CORK or TF_MORE); the last one off
 * sends what they kept back. */
static void
tcp_hold_set(struct tcp_cb *tp, uint32_t flag, bool on)
{
	if (tp->flags & TF_DEAD)
		return;
	if (on) {
		tp->flags |= flag;
	} else if (tp->flags & flag) {
		tp->flags &= ~flag;
		if (!(tp->flags & (TF_CORK | TF_MORE)))
			tcp_cork_release(tp);
	}
}

void
tern_conn_set_cork(struct tern_conn *c, bool on)
{
	tcp_hold_set(conn_cb(c), TF_CORK, on);
}

void
tern_conn_set_more(struct tern_conn *c, bool more)
{
	tcp_hold_set(conn_cb(c), TF_MORE, more);
}

void
tern_conn_push(struct tern_conn *c)
{
	struct tcp_cb *tp = conn_cb(c);

	if ((tp->flags & (TF_CORK | TF_MORE)) && !(tp->flags & TF_DEAD))
		tcp_cork_release(tp);
}

int
tern_shutdown(struct tern_conn *c)
{
	struct tcp_cb *tp = conn_cb(c);

	if (tp->flags & TF_DEAD)
		return -ENOTCONN;
	if (tp->flags & TF_FIN_QUEUED)
		return 0;
	switch (tp->state) {
	case TERN_TCP_ESTABLISHED:
		/* RFC 9293 §3.10.4: queue FIN after the data, FIN-WAIT-1 */
		tcp_set_state(tp, TERN_TCP_FIN_WAIT_1);
		break;
	case TERN_TCP_CLOSE_WAIT:
		tcp_set_state(tp, TERN_TCP_LAST_ACK);
		break;
	case TERN_TCP_SYN_SENT:
	case TERN_TCP_SYN_RECEIVED:
		/* the FIN waits for ESTABLISHED (tcp_established) */
		break;
	default:
		return -ENOTCONN;
	}
	tp->flags |= TF_FIN_QUEUED;
	tcp_output_sched(tp);
	return 0;
}

int
tern_close(struct tern_conn *c)
{
	struct tcp_cb *tp = conn_cb(c);
	int rc;

	if ((tp->flags & (TF_DEAD | TF_APP_CLOSED)) != 0)
		return -ENOTCONN;
	if (tp->state == TERN_TCP_SYN_SENT) {
		/* RFC 9293 §3.10.4: CLOSE in SYN-SENT deletes the TCB */
		tcp_drop(tp, TERN_CLOSE_ABORTED);
		return 0;
	}
	rc = tern_shutdown(c);
	if (rc != 0)
		return rc;
	tp->flags |= TF_APP_CLOSED;
	/* data that arrives from now on has no reader */
	tcp_reass_purge(tp);
	if (tp->state == TERN_TCP_FIN_WAIT_2)
		tcp_timer_set(tp, TT_FIN_WAIT_2, tp->tw->nif->now_us + tp->tw->p.fin_wait_2_us);
	return 0;
}

void
tern_conn_set_idle_timeout(struct tern_conn *c, uint64_t us)
{
	struct tcp_cb *tp = conn_cb(c);

	if (tp->flags & TF_DEAD)
		return;
	tp->idle_us = us;
	if (us == 0)
		tcp_timer_stop(tp, TT_IDLE);
	else
		tcp_timer_set(tp, TT_IDLE, tp->last_rcv_us + us);
}

void
tern_abort(struct tern_conn *c)
{
	struct tcp_cb *tp = conn_cb(c);

	if (tp->flags & TF_DEAD)
		return;
	/* RFC 9293 §3.10.5 ABORT: <SEQ=SND.NXT><CTL=RST> in synchronized states */
	if (tp->state != TERN_TCP_SYN_SENT)
		tcp_send_rst(tp);
	tcp_drop(tp, TERN_CLOSE_ABORTED);
}

struct tern_worker *
tern_conn_worker(const struct tern_conn *c)
{
	return ((const struct tcp_cb *)c)->tw->owner;
}

void
tern_conn_get_info(const struct tern_conn *c, struct tern_conn_info *info)
{
	const struct tcp_cb *tp = (const struct tcp_cb *)c;

	memset(info, 0, sizeof(*info));
	if (tcp_key_is_ip6(&tp->key)) {
		const struct tcp_key6 *k6 = tcp_key6_of(&tp->key);

		info->family = 6;
		memcpy(info->laddr6, k6->laddr, sizeof(info->laddr6));
		memcpy(info->raddr6, k6->raddr, sizeof(info->raddr6));
	} else {
		info->family = 4;
		info->laddr = tp->key.laddr;
		info->raddr = tp->key.raddr;
	}
	info->lport = rte_be_to_cpu_16(tp->key.lport);
	info->rport = rte_be_to_cpu_16(tp->key.rport);
	info->state = tp->state;
	info->snd_wscale = (tp->flags & TF_WSCALE) ? tp->snd_wscale : 0;
	info->rcv_wscale = (tp->flags & TF_WSCALE) ? tp->rcv_wscale : 0;
	info->ts_on = !!(tp->flags & TF_TS);
	info->sack_on = !!(tp->flags & TF_SACK);
	info->mss = tp->seg_max;
	info->adv_mss = tcp_mss_ours(tp);
	info->snd_una = tp->snd_una;
	info->snd_nxt = tp->snd_nxt;
	info->snd_wnd = tp->snd_wnd;
	info->rcv_nxt = tp->rcv_nxt;
	info->rcv_wnd = tp->rcv_wnd;
	info->cwnd = tp->cwnd;
	info->ssthresh = tp->ssthresh;
	info->srtt_us = tp->srtt_us;
	info->rto_us = tp->rto_us;
	info->retransmits = tp->retransmits;
	info->rttvar_us = tp->rttvar_us;
	info->soft_error = tp->soft_error;
	info->segs_in = tp->segs_in;
	info->segs_out = tp->segs_out;
	/* bytes from the sequence space: nothing counted per segment, and
	 * the SYN (and a FIN once acknowledged or received) take one each
	 * (RFC 9293 §3.4) */
	if (tp->state != TERN_TCP_SYN_SENT && tp->state != TERN_TCP_CLOSED) {
		info->bytes_received = ((uint64_t)tp->rcv_wraps << 32 | (tp->rcv_nxt - tp->irs)) -
			1 - !!(tp->flags & TF_RCVD_FIN);
		if (tp->snd_una != tp->iss || tp->snd_wraps != 0)
			info->bytes_acked = ((uint64_t)tp->snd_wraps << 32 |
					(tp->snd_una - tp->iss)) - 1 -
				((tp->flags & TF_FIN_SENT) && tp->snd_una == tp->snd_max);
	}
	info->snd_queued = tp->sndq_bytes;
	info->age_ms = (uint32_t)(tp->tw->nif->now_us >> TCP_TS_SHIFT) - tp->born_hi;
	info->cc = tp->cc != NULL ? tp->cc->name : "";
}

#define TCP_LIST_CURSOR_IP6 (1u << 31)

unsigned int
tcp_conn_list(struct tcp_worker *tw, uint32_t *cursor, struct tern_conn_info *rows,
		unsigned int max)
{
	unsigned int n = 0, seen = 0;
	const void *key;
	void *data;

	if (*cursor == UINT32_MAX)
		return 0;
	/* a table full of TIME_WAIT records must not hold the worker long:
	 * a page looks at so many entries at most, and may come back short.
	 * The IPv4 table first, then the IPv6 one (the cursor's top bit) */
	while (n < max && seen++ < TCP_LIST_SCAN_MAX) {
		bool six = (*cursor & TCP_LIST_CURSOR_IP6) != 0;
		uint32_t pos = *cursor & ~TCP_LIST_CURSOR_IP6;

		if (rte_hash_iterate(six ? tw->conns6 : tw->conns, &key, &data, &pos) < 0) {
			*cursor = six || tw->conns6 == NULL ? UINT32_MAX : TCP_LIST_CURSOR_IP6;
			if (*cursor == UINT32_MAX)
				break;
			continue;
		}
		*cursor = pos | (six ? TCP_LIST_CURSOR_IP6 : 0);
		if ((uintptr_t)data & TW_TAG)
			continue;       /* TIME_WAIT records are counted, not listed */
		tern_conn_get_info(cb_conn(data), &rows[n++]);
	}
	return n;
}

unsigned int
tcp_listener_list(struct tcp_worker *tw, struct tern_listener_info *rows, unsigned int max)
{
	unsigned int n = 0;

	/* a scan of the 65536 slots: tens of microseconds, asked for rarely */
	for (uint32_t port = 0; port <= UINT16_MAX && n < max; port++) {
		const struct tcp_listener *l = tw->listeners[port];

		if (l == NULL)
			continue;
		rows[n].port = (uint16_t)port;
		rows[n].syn_queue = l->syn_count;
		rows[n].syn_backlog = tw->p.syn_backlog;
		rows[n].accepted = l->accepted;
		n++;
	}
	return n;
}

const char *
tern_tcp_state_name(int state)
{
	static const char *const names[] = {
		"CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT_1",
		"FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
	};

	return state >= 0 && state < (int)RTE_DIM(names) ? names[state] : "?";
}
