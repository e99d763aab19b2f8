/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_telemetry commands (read with dpdk-telemetry.py, tools/tern-ss):
 *   /tern/stats              every counter, summed over workers
 *   /tern/worker_stats,N     one worker's counters
 *   /tern/info               workers, the fields of a connection row
 *   /tern/conns,N[,C[,K]]    a page of worker N's connections from cursor C
 *                            (default 0), K rows (default and at most 32)
 *   /tern/listeners,N        worker N's listeners
 *   /tern/nstat              counters under their RFC 4022 / nstat names
 *   /tern/nstat_map          how each of those is made of Tern's counters
 * Connections and listeners are the worker's to read: the telemetry thread
 * posts a request in the worker's mailbox and waits for its answer
 * (core_snap_request; docs/design.md "Seeing inside").
 * Telemetry is process-wide while a process may hold several stacks (tests,
 * the simulator): the first stack created is the one reported.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_telemetry.h>

#include "core_priv.h"

/* Rows per telemetry page: a reply must fit the 16 KiB DPDK 22.11's
 * telemetry writes; a row is at most about 300 bytes of JSON. */
#define TELEMETRY_CONN_ROWS 32

static struct tern_stack *telemetry_stack;
static bool telemetry_registered;
/* one request at a time in all mailboxes; a stack is not freed under one */
static pthread_mutex_t telemetry_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Counters under the names of RFC 4022 (TCP-MIB), RFC 4293 (IP-MIB) and
 * Linux's nstat (TcpExt*), each made of Tern's counters (docs/design.md has
 * the table and where the meaning differs).
 */
#define TERN_NSTAT_FOREACH(X) \
	X(IpInReceives,        st->ip_rx) \
	X(IpInHdrErrors,       st->ip_drop_short + st->ip_drop_version + st->ip_drop_hdrlen + \
				st->ip_drop_totlen + st->ip_drop_cksum) \
	X(IpInAddrErrors,      st->ip_drop_not_ours + st->ip_drop_bad_src) \
	X(IpInUnknownProtos,   st->ip_drop_proto) \
	X(IpOutRequests,       st->ip_tx) \
	X(IpOutNoRoutes,       st->ip_drop_no_route) \
	X(IpReasmFails,        st->ip_drop_fragment) \
	X(IcmpInMsgs,          st->icmp_rx) \
	X(IcmpInErrors,        st->icmp_drop_short + st->icmp_drop_cksum) \
	X(IcmpOutEchoReps,     st->icmp_echo_reply) \
	X(TcpActiveOpens,      st->tcp_active_opens) \
	X(TcpPassiveOpens,     st->tcp_passive_opens) \
	X(TcpAttemptFails,     st->tcp_conn_refused + st->tcp_syn_recv_dropped) \
	X(TcpEstabResets,      st->tcp_conn_reset) \
	X(TcpInSegs,           st->tcp_rx) \
	X(TcpOutSegs,          st->tcp_tx_segs - st->tcp_rexmt_segs) \
	X(TcpRetransSegs,      st->tcp_rexmt_segs) \
	X(TcpInErrs,           st->tcp_drop_short + st->tcp_drop_cksum + st->tcp_drop_options) \
	X(TcpOutRsts,          st->tcp_rst_sent) \
	X(TcpInCsumErrors,     st->tcp_drop_cksum) \
	X(TcpExtSyncookiesSent, st->tcp_syncookies_sent) \
	X(TcpExtSyncookiesRecv, st->tcp_syncookies_ok) \
	X(TcpExtSyncookiesFailed, st->tcp_syncookies_bad) \
	X(TcpExtListenOverflows, st->tcp_syn_queue_full + st->tcp_syn_overload_drop) \
	X(TcpExtTCPTimeouts,   st->tcp_rexmt_timeout) \
	X(TcpExtTCPFastRetrans, st->tcp_fast_rexmt) \
	X(TcpExtTCPLossProbes, st->tcp_tlp_probes) \
	X(TcpExtTCPLossProbeRecovery, st->tcp_tlp_recoveries) \
	X(TcpExtDelayedACKs,   st->tcp_delack_timeout) \
	X(TcpExtTCPChallengeACK, st->tcp_challenge_ack) \
	X(TcpExtPAWSEstab,     st->tcp_drop_paws) \
	X(TcpExtTW,            st->tcp_time_wait_entered) \
	X(TcpExtTWRecycled,    st->tcp_time_wait_reconnected) \
	X(TcpExtTCPAbortOnTimeout, st->tcp_conn_timeout) \
	X(TcpExtTCPOFOQueue,   st->tcp_rx_ooo_segs) \
	X(TcpExtTCPOFODrop,    st->tcp_drop_ooo_full)

/* The fields of a /tern/conns row, in order (tools/tern-ss reads them). */
#define TERN_CONN_FIELDS(X) \
	X(laddr, rte_be_to_cpu_32(c->laddr)) X(lport, c->lport) \
	X(raddr, rte_be_to_cpu_32(c->raddr)) X(rport, c->rport) \
	X(state, c->state) X(snd_una, c->snd_una) X(snd_nxt, c->snd_nxt) \
	X(snd_wnd, c->snd_wnd) X(rcv_nxt, c->rcv_nxt) X(rcv_wnd, c->rcv_wnd) \
	X(snd_wscale, c->snd_wscale) X(rcv_wscale, c->rcv_wscale) X(ts, c->ts_on) \
	X(sack, c->sack_on) X(mss, c->mss) X(cwnd, c->cwnd) X(ssthresh, c->ssthresh) \
	X(srtt_us, c->srtt_us) X(rttvar_us, c->rttvar_us) X(rto_us, c->rto_us) \
	X(retrans, c->retransmits) X(segs_in, c->segs_in) X(segs_out, c->segs_out) \
	X(bytes_acked, c->bytes_acked) X(bytes_received, c->bytes_received) \
	X(snd_queued, c->snd_queued) X(age_ms, c->age_ms) \
	X(cc, strcmp(c->cc, "cubic") == 0)

static const char *const conn_cc_names[] = { "newreno", "cubic" };

static void
telemetry_put_stats(struct rte_tel_data *d, const struct tern_stats *st)
{
	rte_tel_data_start_dict(d);
	for (size_t i = 0; i < TERN_STATS_COUNT; i++)
		rte_tel_data_add_dict_u64(d, tern_stats_name(i), tern_stats_value(st, i));
}

static int
telemetry_stats(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	struct tern_stats sum;
	struct tern_stack *s = __atomic_load_n(&telemetry_stack, __ATOMIC_ACQUIRE);

	if (s == NULL)
		return -ENODEV;
	tern_stack_stats(s, &sum);
	telemetry_put_stats(d, &sum);
	return 0;
}

static int
telemetry_worker_stats(const char *cmd __rte_unused, const char *params,
		struct rte_tel_data *d)
{
	struct tern_stack *s = __atomic_load_n(&telemetry_stack, __ATOMIC_ACQUIRE);
	struct tern_stats copy;
	unsigned long idx;
	char *end;

	if (s == NULL)
		return -ENODEV;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	idx = strtoul(params, &end, 10);
	if (*end != '\0' || idx >= s->nb_workers)
		return -EINVAL;
	for (size_t i = 0; i < TERN_STATS_COUNT; i++)
		((uint64_t *)&copy)[i] = __atomic_load_n(
				&((const uint64_t *)&s->workers[idx].stats)[i], __ATOMIC_RELAXED);
	telemetry_put_stats(d, &copy);
	return 0;
}

static struct tern_stack *
telemetry_worker_arg(const char *params, unsigned long *idx, char **rest)
{
	struct tern_stack *s = telemetry_stack;

	if (s == NULL || params == NULL || *params == '\0')
		return NULL;
	*idx = strtoul(params, rest, 10);
	if (*rest == params || *idx >= s->nb_workers)
		return NULL;
	return s;
}

static void
telemetry_put_counts(struct rte_tel_data *d, const struct core_snap *q)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a == NULL)
		return;
	rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
	for (unsigned int i = 0; i <= TERN_TCP_TIME_WAIT; i++)
		rte_tel_data_add_array_u64(a, q->counts[i]);
	rte_tel_data_add_dict_container(d, "states", a, 0);
	rte_tel_data_add_dict_u64(d, "time_wait", q->counts[TERN_TCP_TIME_WAIT]);
	rte_tel_data_add_dict_u64(d, "now_us", q->now_us);
}

/* /tern/conns,N[,CURSOR[,COUNT]]: one page, answered by worker N */
static int
telemetry_conns(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	static struct core_snap q;      /* under telemetry_lock */
	unsigned long idx, cursor = 0, count = TELEMETRY_CONN_ROWS;
	struct tern_stack *s;
	char *rest;
	int rc;

	pthread_mutex_lock(&telemetry_lock);
	s = telemetry_worker_arg(params, &idx, &rest);
	if (s == NULL) {
		rc = telemetry_stack == NULL ? -ENODEV : -EINVAL;
		goto out;
	}
	if (*rest == ',')
		cursor = strtoul(rest + 1, &rest, 10);
	if (*rest == ',')
		count = strtoul(rest + 1, &rest, 10);
	rc = -EINVAL;
	if (*rest != '\0' || cursor > UINT32_MAX)
		goto out;
	count = RTE_MIN(count, (unsigned long)TELEMETRY_CONN_ROWS);
	rc = core_snap_request(s, (unsigned int)idx, CORE_SNAP_CONNS, (uint32_t)cursor,
			(uint32_t)count, 1000000, &q);
	if (rc != 0)
		goto out;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "worker", idx);
	rte_tel_data_add_dict_u64(d, "cursor", cursor);
	rte_tel_data_add_dict_u64(d, "next", q.cursor);
	rte_tel_data_add_dict_u64(d, "end", q.cursor == UINT32_MAX);
	rte_tel_data_add_dict_u64(d, "rows", q.n);
	telemetry_put_counts(d, &q);
	for (uint32_t i = 0; i < q.n; i++) {
		const struct tern_conn_info *c = &q.rows.conns[i];
		struct rte_tel_data *a = rte_tel_data_alloc();
		char key[16];

		if (a == NULL)
			break;
		rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
#define CONN_FIELD_VALUE(name, expr) rte_tel_data_add_array_u64(a, (uint64_t)(expr));
		TERN_CONN_FIELDS(CONN_FIELD_VALUE)
#undef CONN_FIELD_VALUE
		snprintf(key, sizeof(key), "c%u", i);
		rte_tel_data_add_dict_container(d, key, a, 0);
	}
out:
	pthread_mutex_unlock(&telemetry_lock);
	return rc;
}

/* /tern/listeners,N: port, SYN queue, its limit, accepted */
static int
telemetry_listeners(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)
{
	static struct core_snap q;      /* under telemetry_lock */
	unsigned long idx;
	struct tern_stack *s;
	char *rest;
	int rc = -EINVAL;

	pthread_mutex_lock(&telemetry_lock);
	s = telemetry_worker_arg(params, &idx, &rest);
	if (s == NULL || *rest != '\0')
		goto out;
	rc = core_snap_request(s, (unsigned int)idx, CORE_SNAP_LISTENERS, 0, CORE_SNAP_ROWS,
			1000000, &q);
	if (rc != 0)
		goto out;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "worker", idx);
	rte_tel_data_add_dict_u64(d, "rows", q.n);
	telemetry_put_counts(d, &q);
	for (uint32_t i = 0; i < q.n; i++) {
		const struct tern_listener_info *l = &q.rows.listeners[i];
		struct rte_tel_data *a = rte_tel_data_alloc();
		char key[16];

		if (a == NULL)
			break;
		rte_tel_data_start_array(a, RTE_TEL_U64_VAL);
		rte_tel_data_add_array_u64(a, l->port);
		rte_tel_data_add_array_u64(a, l->syn_queue);
		rte_tel_data_add_array_u64(a, l->syn_backlog);
		rte_tel_data_add_array_u64(a, l->accepted);
		snprintf(key, sizeof(key), "l%u", i);
		rte_tel_data_add_dict_container(d, key, a, 0);
	}
out:
	pthread_mutex_unlock(&telemetry_lock);
	return rc;
}

/* /tern/info: what a client needs to read the other replies */
static int
telemetry_info(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	static const char *const conn_fields[] = {
#define CONN_FIELD_NAME(name, expr) #name,
		TERN_CONN_FIELDS(CONN_FIELD_NAME)
#undef CONN_FIELD_NAME
	};
	struct rte_tel_data *f, *st, *cc;
	struct tern_stack *s;
	int rc = -ENODEV;

	pthread_mutex_lock(&telemetry_lock);
	s = telemetry_stack;
	if (s == NULL)
		goto out;
	rc = -ENOMEM;
	f = rte_tel_data_alloc();
	st = rte_tel_data_alloc();
	cc = rte_tel_data_alloc();
	if (f == NULL || st == NULL || cc == NULL) {
		rte_tel_data_free(f);
		rte_tel_data_free(st);
		rte_tel_data_free(cc);
		goto out;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", s->nb_workers);
	rte_tel_data_add_dict_u64(d, "page_rows", TELEMETRY_CONN_ROWS);
	rte_tel_data_start_array(f, RTE_TEL_STRING_VAL);
	for (size_t i = 0; i < RTE_DIM(conn_fields); i++)
		rte_tel_data_add_array_string(f, conn_fields[i]);
	rte_tel_data_add_dict_container(d, "conn_fields", f, 0);
	rte_tel_data_start_array(st, RTE_TEL_STRING_VAL);
	for (int i = 0; i <= TERN_TCP_TIME_WAIT; i++)
		rte_tel_data_add_array_string(st, tern_tcp_state_name(i));
	rte_tel_data_add_dict_container(d, "states", st, 0);
	rte_tel_data_start_array(cc, RTE_TEL_STRING_VAL);
	for (size_t i = 0; i < RTE_DIM(conn_cc_names); i++)
		rte_tel_data_add_array_string(cc, conn_cc_names[i]);
	rte_tel_data_add_dict_container(d, "cc_names", cc, 0);
	rc = 0;
out:
	pthread_mutex_unlock(&telemetry_lock);
	return rc;
}

static int
telemetry_nstat(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	struct tern_stats sum, *st = &sum;
	uint32_t estab = 0;
	struct tern_stack *s;
	int rc = -ENODEV;

	pthread_mutex_lock(&telemetry_lock);
	s = telemetry_stack;
	if (s == NULL)
		goto out;
	tern_stack_stats(s, &sum);
	/* a gauge, read as the counters are: each word atomically */
	for (unsigned int i = 0; i < s->nb_workers; i++)
		estab += __atomic_load_n(&s->workers[i].tcp.state_count[TERN_TCP_ESTABLISHED],
					__ATOMIC_RELAXED) +
			__atomic_load_n(&s->workers[i].tcp.state_count[TERN_TCP_CLOSE_WAIT],
					__ATOMIC_RELAXED);
	rte_tel_data_start_dict(d);
#define NSTAT_VALUE(name, expr) rte_tel_data_add_dict_u64(d, #name, (uint64_t)(expr));
	TERN_NSTAT_FOREACH(NSTAT_VALUE)
#undef NSTAT_VALUE
	rte_tel_data_add_dict_u64(d, "TcpCurrEstab", estab);
	rc = 0;
out:
	pthread_mutex_unlock(&telemetry_lock);
	return rc;
}

static int
telemetry_nstat_map(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
#define NSTAT_MAP(name, expr) rte_tel_data_add_dict_string(d, #name, #expr);
	TERN_NSTAT_FOREACH(NSTAT_MAP)
#undef NSTAT_MAP
	rte_tel_data_add_dict_string(d, "TcpCurrEstab", "ESTABLISHED + CLOSE_WAIT now");
	return 0;
}

int
core_snap_request(struct tern_stack *s, unsigned int idx, enum core_snap_kind kind,
		uint32_t cursor, uint32_t max, uint64_t timeout_us, struct core_snap *out)
{
	static pthread_mutex_t one_asker = PTHREAD_MUTEX_INITIALIZER;
	const struct timespec nap = { .tv_nsec = 20000 };
	struct core_snap *q;
	uint64_t waited = 0;
	uint32_t req;
	int rc = 0;

	if (idx >= s->nb_workers || max > CORE_SNAP_ROWS)
		return -EINVAL;
	q = s->workers[idx].snap;
	pthread_mutex_lock(&one_asker);
	/* an earlier asker gave up waiting: the worker may still be reading
	 * that request, so nothing is written until it has answered */
	if (__atomic_load_n(&q->done, __ATOMIC_ACQUIRE) != q->req) {
		rc = -EBUSY;
		goto out;
	}
	q->kind = (uint8_t)kind;
	q->cursor = cursor;
	q->max = max;
	req = q->req + 1;
	__atomic_store_n(&q->req, req, __ATOMIC_RELEASE);
	while (__atomic_load_n(&q->done, __ATOMIC_ACQUIRE) != req) {
		if (waited >= timeout_us || s->stopping) {
			rc = -ETIMEDOUT;
			goto out;
		}
		nanosleep(&nap, NULL);
		waited += 20;   /* at least: the nap may be longer */
	}
	out->kind = q->kind;
	out->cursor = q->cursor;
	out->n = q->n;
	out->now_us = q->now_us;
	memcpy(out->counts, q->counts, sizeof(out->counts));
	if (kind == CORE_SNAP_LISTENERS)
		memcpy(out->rows.listeners, q->rows.listeners, q->n * sizeof(q->rows.listeners[0]));
	else
		memcpy(out->rows.conns, q->rows.conns, q->n * sizeof(q->rows.conns[0]));
out:
	pthread_mutex_unlock(&one_asker);
	return rc;
}

void
tern_telemetry_attach(struct tern_stack *s)
{
	struct tern_stack *none = NULL;

	if (!telemetry_registered) {
		telemetry_registered = true;
		rte_telemetry_register_cmd("/tern/stats", telemetry_stats,
				"Tern counters summed over workers. No parameters");
		rte_telemetry_register_cmd("/tern/worker_stats", telemetry_worker_stats,
				"One Tern worker's counters. Parameter: worker index");
		rte_telemetry_register_cmd("/tern/info", telemetry_info,
				"Tern workers and the fields of a /tern/conns row. No parameters");
		rte_telemetry_register_cmd("/tern/conns", telemetry_conns,
				"A page of a worker's connections. Parameters: worker[,cursor[,count]]");
		rte_telemetry_register_cmd("/tern/listeners", telemetry_listeners,
				"A worker's listeners: port, SYN queue, backlog, accepted. Parameter: worker");
		rte_telemetry_register_cmd("/tern/nstat", telemetry_nstat,
				"Tern counters under RFC 4022 / nstat names. No parameters");
		rte_telemetry_register_cmd("/tern/nstat_map", telemetry_nstat_map,
				"What each /tern/nstat name is made of. No parameters");
	}
	pthread_mutex_lock(&telemetry_lock);
	__atomic_compare_exchange_n(&telemetry_stack, &none, s, false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&telemetry_lock);
}

void
tern_telemetry_detach(struct tern_stack *s)
{
	struct tern_stack *expect = s;

	/* a request in flight finishes before the stack goes */
	pthread_mutex_lock(&telemetry_lock);
	__atomic_compare_exchange_n(&telemetry_stack, &expect, NULL, false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&telemetry_lock);
}
