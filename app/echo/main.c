/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-echo: a TCP echo server (and client) on Tern; the stack also answers
 * ARP and ping.
 *
 *   tern-echo [EAL args] -- [--config FILE] [--duration SEC] [--port N]
 *                           [--close-after BYTES]
 *   tern-echo [EAL args] -- --connect A.B.C.D:PORT [--conns K] [--bytes N]
 *
 * Server: every byte received on --port (default 7) is sent back, zero-copy
 * (the received mbuf goes on the send queue). While the send buffer is full,
 * received data waits and keeps the receive window closed (tern_recv_hold),
 * so a client that does not read slows down instead of filling memory.
 * --close-after makes tern close each connection after echoing that many
 * bytes (tern performs the active close).
 *
 * Client: opens K connections from worker 0, sends N bytes of a known
 * pattern on each, checks the N bytes echoed back, closes, and exits 0 only
 * if every connection delivered everything and closed normally.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "app_common.h"

struct echo_opts {
	uint16_t port;
	uint64_t close_after;
	struct app_endpoint connect; /* --connect; port 0: server mode */
	uint32_t conns;
	uint64_t bytes;
	bool conn_info;            /* print each accepted connection's options */
};

/* One connection's state, server or client. */
struct echo_conn {
	struct rte_mbuf *pending;    /* received, not yet echoed: one mbuf chain */
	uint64_t echoed;             /* server: bytes put on the send queue */
	uint64_t sent, received;     /* client */
	uint32_t id;                 /* client: connection number (pattern) */
	bool peer_closed;
	bool failed;                 /* client: wrong byte seen */
};

static struct echo_opts opts = { .port = 7, .conns = 1, .bytes = 1 << 20 };
static struct tern_stack *stack;
/* one pool of connection state per worker: no worker touches another's */
static struct rte_mempool **conn_pools;
/* client mode: every worker finishes connections (atomics, once per connection) */
static uint32_t clients_left, clients_ok;

/* The connection-state pool of the worker that owns @c. */
static inline struct rte_mempool *
echo_pool(const struct tern_conn *c)
{
	return conn_pools[tern_worker_id(tern_conn_worker(c))];
}

/* ------------------------------------------------------------------ server */

/*
 * Echo what is pending once the send buffer can take all of it (zero-copy:
 * the chain goes on the send queue as it is). The pending chain never holds
 * more than the receive window, and the send buffer is at least as large
 * (config defaults: 256 KiB each), so this always makes progress.
 */
static void
echo_flush(struct tern_conn *c, struct echo_conn *ec)
{
	struct rte_mbuf *m = ec->pending;

	if (m != NULL) {
		uint32_t len = rte_pktmbuf_pkt_len(m);

		if (tern_send_space(c) < len)
			return;
		ec->pending = NULL;
		if (tern_send_mbuf(c, m) < 0)
			return;
		ec->echoed += len;
		tern_recved(c, len);
	}
	if (ec->peer_closed || (opts.close_after != 0 && ec->echoed >= opts.close_after))
		tern_close(c);
}

static void
echo_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct echo_conn *ec = arg;

	if (ec->pending == NULL)
		ec->pending = m;
	else if (rte_pktmbuf_chain(ec->pending, m) != 0)
		{ rte_pktmbuf_free(m); tern_abort(c); return; } /* 65535 tiny segments held */
	echo_flush(c, ec);
}

static void
echo_on_sent(struct tern_conn *c, uint32_t acked, void *arg)
{
	(void)acked;
	echo_flush(c, arg);
}

static void
echo_on_peer_closed(struct tern_conn *c, void *arg)
{
	struct echo_conn *ec = arg;

	ec->peer_closed = true;
	echo_flush(c, ec);
}

static void
echo_on_closed(struct tern_conn *c, int reason, void *arg)
{
	struct echo_conn *ec = arg;

	(void)reason;
	rte_pktmbuf_free(ec->pending);
	rte_mempool_put(echo_pool(c), ec);
}

static const struct tern_conn_ops server_ops = {
	.on_recv = echo_on_recv,
	.on_sent = echo_on_sent,
	.on_peer_closed = echo_on_peer_closed,
	.on_closed = echo_on_closed,
};

static int
echo_on_accept(struct tern_conn *c, void *arg)
{
	struct echo_conn *ec;

	(void)arg;
	if (rte_mempool_get(echo_pool(c), (void **)&ec) != 0)
		return -1;
	memset(ec, 0, sizeof(*ec));
	tern_conn_set_ops(c, &server_ops, ec);
	tern_recv_hold(c, 1);
	if (opts.conn_info) {
		struct tern_conn_info ci;
		char peer[64];

		tern_conn_get_info(c, &ci);
		printf("tern-echo: conn %s:%u mss %u snd_wscale %u rcv_wscale %u ts %u sack %u\n",
				app_peer_str(&ci, peer, sizeof(peer)), ci.rport, ci.mss,
				ci.snd_wscale, ci.rcv_wscale, ci.ts_on, ci.sack_on);
	}
	return 0;
}

/* ------------------------------------------------------------------ client */

static inline uint8_t
pattern_byte(uint32_t id, uint64_t off)
{
	return (uint8_t)(off * 7 + id * 13 + (off >> 8));
}

static void
client_pump(struct tern_conn *c, struct echo_conn *ec)
{
	uint8_t buf[4096];

	while (ec->sent < opts.bytes) {
		uint32_t space = tern_send_space(c);
		uint32_t n = (uint32_t)RTE_MIN((uint64_t)RTE_MIN(space, sizeof(buf)),
				opts.bytes - ec->sent);
		int rc;

		if (n == 0)
			return;
		for (uint32_t i = 0; i < n; i++)
			buf[i] = pattern_byte(ec->id, ec->sent + i);
		rc = tern_send(c, buf, n);
		if (rc <= 0)
			return;
		ec->sent += (uint64_t)rc;
	}
}

static void
client_on_connected(struct tern_conn *c, void *arg)
{
	client_pump(c, arg);
}

static void
client_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	struct echo_conn *ec = arg;

	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		const uint8_t *p = rte_pktmbuf_mtod(s, const uint8_t *);

		for (uint16_t i = 0; i < s->data_len; i++)
			if (p[i] != pattern_byte(ec->id, ec->received + i))
				ec->failed = true;
		ec->received += s->data_len;
	}
	rte_pktmbuf_free(m);
	if (ec->received >= opts.bytes)
		tern_close(c);
}

static void
client_on_sent(struct tern_conn *c, uint32_t acked, void *arg)
{
	(void)acked;
	client_pump(c, arg);
}

static void
client_on_closed(struct tern_conn *c, int reason, void *arg)
{
	struct echo_conn *ec = arg;

	if (reason == TERN_CLOSE_NORMAL && !ec->failed && ec->received == opts.bytes)
		__atomic_fetch_add(&clients_ok, 1, __ATOMIC_RELAXED);
	else
		printf("tern-echo: client %u: reason %d, received %" PRIu64 "/%" PRIu64 "%s\n",
				ec->id, reason, ec->received, opts.bytes,
				ec->failed ? ", wrong bytes" : "");
	rte_mempool_put(echo_pool(c), ec);
	if (__atomic_sub_fetch(&clients_left, 1, __ATOMIC_ACQ_REL) == 0)
		tern_stack_stop(stack);
}

static const struct tern_conn_ops client_ops = {
	.on_connected = client_on_connected,
	.on_recv = client_on_recv,
	.on_sent = client_on_sent,
	.on_closed = client_on_closed,
};

/* Open the client connections, connection i on worker i % workers (from
 * the main thread, before the workers run). */
static int
client_start(void)
{
	unsigned int nw = tern_stack_worker_count(stack);

	for (uint32_t i = 0; i < opts.conns; i++) {
		struct tern_worker *w = tern_stack_worker(stack, i % nw);
		struct echo_conn *ec;

		if (rte_mempool_get(conn_pools[i % nw], (void **)&ec) != 0)
			return -ENOMEM;
		memset(ec, 0, sizeof(*ec));
		ec->id = i;
		if (app_connect(w, &opts.connect, &client_ops, ec) == NULL) {
			fprintf(stderr, "tern-echo: connect on worker %u: %s\n", i % nw,
					rte_strerror(rte_errno));
			rte_mempool_put(conn_pools[i % nw], ec);
			return -rte_errno;
		}
		clients_left++;
	}
	return 0;
}

/* -------------------------------------------------------------------- main */

static void
release_pools(void)
{
	for (unsigned int i = 0; conn_pools != NULL && i < rte_lcore_count(); i++)
		rte_mempool_free(conn_pools[i]);
	free(conn_pools);
	conn_pools = NULL;
}

/* Connection states one worker may hold: its share of the stack's. */
static uint32_t
echo_conns_per_worker(const struct tern_config *cfg, unsigned int nw)
{
	return cfg->tcp_max_conns + opts.conns / nw + 1;
}

/* DPDK memory of one worker's connection-state pool (at most one worker). */
static uint64_t
echo_mem_per_worker(const struct tern_config *cfg)
{
	return tern_mem_pool_bytes(echo_conns_per_worker(cfg, 1), sizeof(struct echo_conn),
			false);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [--config FILE] [--duration SEC] [--port N]\n"
		"          [--close-after BYTES] | --connect A.B.C.D:PORT [--conns K] [--bytes N]\n"
		"  --config FILE       stack config (default config/tap.conf)\n"
		"  --duration SEC      stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
		"  --port N            TCP port to echo on (default 7)\n"
		"  --close-after BYTES close each connection after echoing BYTES\n"
		"  --connect A:P       client mode: connect to A:P, send, check the echo\n"
		"  --conns K           client connections (default 1)\n"
		"  --bytes N           bytes per client connection (default 1 MiB)\n"
		"  --conn-info         print each accepted connection's negotiated options\n",
		prog);
}

static void
parse_args(struct app_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "close-after", required_argument, NULL, 'a' },
		{ "connect", required_argument, NULL, 'C' },
		{ "conns", required_argument, NULL, 'n' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "conn-info", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:d:p:a:C:n:b:Ih", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx->config_path = optarg;
			break;
		case 'd':
			ctx->duration_s = app_parse_seconds(ctx->name, "--duration", optarg);
			break;
		case 'p':
			opts.port = (uint16_t)app_parse_u64("tern-echo", "--port", optarg, 1, 65535);
			break;
		case 'a':
			opts.close_after = app_parse_u64("tern-echo", "--close-after", optarg, 1, UINT64_MAX);
			break;
		case 'C':
			app_parse_endpoint(ctx->name, "--connect", optarg, &opts.connect);
			break;
		case 'n':
			opts.conns = (uint32_t)app_parse_u64("tern-echo", "--conns", optarg, 1, 1000000);
			break;
		case 'b':
			opts.bytes = app_parse_u64("tern-echo", "--bytes", optarg, 1, UINT64_MAX);
			break;
		case 'I':
			opts.conn_info = true;
			break;
		case 'h':
			usage(ctx->name);
			exit(0);
		default:
			usage(ctx->name);
			exit(APP_EXIT_USAGE);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", ctx->name, argv[optind]);
		exit(APP_EXIT_USAGE);
	}
}

int
main(int argc, char **argv)
{
	struct app_ctx ctx = { .name = "tern-echo", .config_path = "config/tap.conf" };
	int eal_argc = app_eal_argc(argc, argv);
	unsigned int nw;
	int rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (eal_argc < 0)
		eal_argc = argc;   /* no "--": everything is EAL's */
	else
		parse_args(&ctx, argc - eal_argc, argv + eal_argc);
	app_load_config(&ctx);
	ctx.mem_per_worker = echo_mem_per_worker;
	ctx.mem_what = "tern-echo's connection state ([tcp] max_conns)";
	app_start(&ctx, eal_argc, argv);
	stack = ctx.stack;
	nw = tern_stack_worker_count(stack);
	conn_pools = calloc(nw, sizeof(conn_pools[0]));
	for (unsigned int i = 0; conn_pools != NULL && i < nw; i++) {
		char name[RTE_MEMPOOL_NAMESIZE];

		snprintf(name, sizeof(name), "echo_conns%u", i);
		conn_pools[i] = rte_mempool_create(name, echo_conns_per_worker(&ctx.cfg, nw),
				sizeof(struct echo_conn), 0, 0, NULL, NULL, NULL, NULL, SOCKET_ID_ANY,
				RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
		if (conn_pools[i] == NULL)
			break;
	}
	if (conn_pools == NULL || conn_pools[nw - 1] == NULL) {
		fprintf(stderr, "tern-echo: connection pools: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (opts.connect.port != 0) {
		rc = client_start();
		if (rc != 0)
			tern_stack_stop(stack);
	} else {
		for (unsigned int i = 0; i < tern_stack_worker_count(stack); i++) {
			rc = tern_listen(tern_stack_worker(stack, i), opts.port, echo_on_accept, NULL);
			if (rc != 0) {
				fprintf(stderr, "tern-echo: listen on %u: %s\n", opts.port,
						strerror(-rc));
				return 1;
			}
		}
		printf("tern-echo: echoing on port %u\n", opts.port);
	}
	app_run(&ctx);
	if (opts.connect.port != 0) {
		printf("tern-echo: client: %u/%u connections ok\n", clients_ok, opts.conns);
		if (clients_ok != opts.conns)
			rc = 1;
	}
	app_finish(&ctx, release_pools);
	return rc != 0 ? 1 : 0;
}
