/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator's log: rare events worth a line (connection table full, SYN
 * cookies switched on, mbufs exhausted, a peer's malformed segments, frames
 * lost between workers). Workers never log: they count, as always, and this
 * control thread, running beside them while tern_stack_run() runs, reads
 * each worker's counters once a second (each word atomically, as telemetry
 * does) and writes at most one line per event and worker every
 * MONITOR_QUIET_S seconds, carrying the count since its previous line.
 * Log levels per layer: --log-level=tern.tcp:warning and the like.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_lcore.h>

#include "core_priv.h"

#define MONITOR_TICK_MS   1000
#define MONITOR_QUIET_S   10     /**< one line per event and worker at most this often */
#define MONITOR_BAD_SEGS  10     /**< malformed segments a second that make a line */

enum monitor_event { EV_TABLE_FULL, EV_COOKIES, EV_NOMBUF, EV_BAD_SEGS, EV_STEER, EV_TW_OVF,
	EV_N };

struct monitor_worker {
	uint64_t last[EV_N];           /**< counter sum at the previous tick */
	uint64_t pending[EV_N];        /**< events since the last line */
	uint64_t said_s[EV_N];         /**< when the last line was written (s) */
	bool said[EV_N];
};

struct core_monitor {
	pthread_t tid;
	volatile int stop;
	struct tern_stack *s;
	struct monitor_worker w[];
};

#define RD(st, f) __atomic_load_n(&(st)->f, __ATOMIC_RELAXED)

static void
monitor_read(const struct tern_stats *st, uint64_t v[EV_N])
{
	v[EV_TABLE_FULL] = RD(st, tcp_conn_table_full);
	v[EV_COOKIES] = RD(st, tcp_syncookies_sent);
	v[EV_NOMBUF] = RD(st, tcp_nombuf) + RD(st, tx_drop_nombuf);
	v[EV_BAD_SEGS] = RD(st, tcp_drop_short) + RD(st, tcp_drop_cksum) +
		RD(st, tcp_drop_options) + RD(st, tcp_drop_flags) + RD(st, ip_drop_cksum);
	v[EV_STEER] = RD(st, steer_drop_full) + RD(st, inbox_drop);
	v[EV_TW_OVF] = RD(st, tcp_time_wait_overflow);
}

static void
monitor_say(const struct tern_stack *s, unsigned int i, enum monitor_event ev, uint64_t n)
{
	const struct tern_config *cfg = &s->cfg;
	const struct tern_worker *w = &s->workers[i];
	char addr[INET_ADDRSTRLEN];
	struct in_addr a;

	switch (ev) {
	case EV_TABLE_FULL:
		TCP_LOG(WARNING, "worker %u: connection table full: %" PRIu64 " SYNs refused "
				"([tcp] max_conns = %u)", i, n, cfg->tcp_max_conns);
		break;
	case EV_COOKIES:
		TCP_LOG(NOTICE, "worker %u: SYN cookies on: %" PRIu64 " sent (a SYN queue is "
				"full, [tcp] syn_backlog = %u, or memory is low)", i, n,
				cfg->tcp_syn_backlog);
		break;
	case EV_NOMBUF:
		CORE_LOG(WARNING, "worker %u: mbufs exhausted: %" PRIu64 " frames or segments "
				"not built ([stack] mbufs = %u)", i, n, cfg->mbufs);
		break;
	case EV_BAD_SEGS:
		a.s_addr = __atomic_load_n(&w->tcp.last_bad_src, __ATOMIC_RELAXED);
		inet_ntop(AF_INET, &a, addr, sizeof(addr));
		TCP_LOG(WARNING, "worker %u: %" PRIu64 " malformed segments (checksum, length, "
				"options, flags), the last from %s", i, n, addr);
		break;
	case EV_STEER:
		CORE_LOG(WARNING, "worker %u: %" PRIu64 " frames or messages lost: a steering "
				"ring or inbox was full", i, n);
		break;
	case EV_TW_OVF:
		TCP_LOG(NOTICE, "worker %u: TIME_WAIT table full: %" PRIu64 " records ended "
				"early ([tcp] max_time_wait = %u)", i, n, cfg->tcp_max_time_wait);
		break;
	default:
		break;
	}
}

static void
monitor_tick(struct core_monitor *m, uint64_t now_s)
{
	for (unsigned int i = 0; i < m->s->nb_workers; i++) {
		struct monitor_worker *mw = &m->w[i];
		uint64_t v[EV_N];

		monitor_read(&m->s->workers[i].stats, v);
		for (int ev = 0; ev < EV_N; ev++) {
			uint64_t d = v[ev] - mw->last[ev];

			mw->last[ev] = v[ev];
			/* a checksum error now and then is the wire's; a stream is a peer's */
			if (ev == EV_BAD_SEGS && d < MONITOR_BAD_SEGS && mw->pending[ev] == 0)
				d = 0;
			mw->pending[ev] += d;
			if (mw->pending[ev] == 0 ||
					(mw->said[ev] && now_s - mw->said_s[ev] < MONITOR_QUIET_S))
				continue;
			monitor_say(m->s, i, (enum monitor_event)ev, mw->pending[ev]);
			mw->pending[ev] = 0;
			mw->said[ev] = true;
			mw->said_s[ev] = now_s;
		}
	}
}

static void *
monitor_main(void *arg)
{
	struct core_monitor *m = arg;
	const struct timespec nap = { .tv_nsec = 100 * 1000 * 1000 };
	uint64_t now_s = 0;

	/* counts from before the run are history, not news */
	for (unsigned int i = 0; i < m->s->nb_workers; i++)
		monitor_read(&m->s->workers[i].stats, m->w[i].last);
	while (!m->stop) {
		for (int t = 0; t < MONITOR_TICK_MS / 100 && !m->stop; t++)
			nanosleep(&nap, NULL);
		now_s++;
		monitor_tick(m, now_s);
	}
	return NULL;
}

int
core_monitor_start(struct tern_stack *s)
{
	struct core_monitor *m = calloc(1, sizeof(*m) + s->nb_workers * sizeof(m->w[0]));
	int rc;

	if (m == NULL)
		return -ENOMEM;
	m->s = s;
	rc = rte_ctrl_thread_create(&m->tid, "tern-monitor", NULL, monitor_main, m);
	if (rc != 0) {
		CORE_LOG(WARNING, "no monitor thread (%s): rare events are counted, not logged",
				strerror(-rc));
		free(m);
		return rc;
	}
	s->monitor = m;
	return 0;
}

void
core_monitor_stop(struct tern_stack *s)
{
	struct core_monitor *m = s->monitor;

	if (m == NULL)
		return;
	m->stop = 1;
	pthread_join(m->tid, NULL);
	free(m);
	s->monitor = NULL;
}
