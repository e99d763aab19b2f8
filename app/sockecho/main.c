/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-sockecho: a TCP echo server written against the socket-style API
 * (tern_sock.h) the way one is written against epoll: a listening socket,
 * a readiness set, and a loop that waits, accepts, reads, writes and closes.
 *
 *   tern-sockecho [EAL args] -- [--config FILE] [--duration SEC] [--port N]
 *                               [--edge] [--zero-copy]
 *
 * Each worker runs the same loop over its own descriptors (a poll hook: the
 * loop's body, one tern_epoll_wait() per iteration of the worker). What a
 * read returns is written back; what the send buffer does not take waits in
 * the connection's buffer, reading stops and the descriptor waits for
 * EPOLLOUT, so a client that does not read slows down (its window closes)
 * instead of filling memory. A connection is closed once its peer closed
 * and everything was echoed. --edge registers descriptors edge-triggered
 * (EPOLLET); --zero-copy moves the received mbufs to the send buffer
 * (tern_sock_recv_mbuf / tern_sock_send_mbuf) instead of copying.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_mbuf.h>

#include "app_common.h"
#include "tern_sock.h"

#define ECHO_BUF     2048      /* bytes read at once (copy mode) */
#define ECHO_EVENTS  64        /* events taken per loop iteration */

struct sockecho_opts {
	uint16_t port;
	bool edge;
	bool zero_copy;
};

/* One descriptor's echo state; indexed by descriptor. */
struct echo_fd {
	uint16_t off, len;         /* copy mode: unsent bytes buf[off, len) */
	bool eof;                  /* the peer closed: close once flushed */
	struct rte_mbuf *pending;  /* zero-copy mode: received, not yet queued */
	uint8_t buf[ECHO_BUF];
};

/* One worker's loop. */
struct echo_loop {
	struct tern_sock_ctx *x;
	int ep, lfd;
	unsigned int max_fds;
	struct echo_fd *fds;
	uint64_t accepted;
};

static struct sockecho_opts opts = { .port = 7 };
static struct echo_loop *loops;
static unsigned int nb_loops;

static uint32_t
conn_events(bool want_out)
{
	return (want_out ? EPOLLOUT : EPOLLIN | EPOLLRDHUP) | (opts.edge ? EPOLLET : 0);
}

static void
conn_close(struct echo_loop *l, int fd)
{
	struct echo_fd *e = &l->fds[fd];

	rte_pktmbuf_free(e->pending);
	e->pending = NULL;
	tern_sock_close(l->x, fd);   /* also leaves the readiness set */
}

/* Watch @fd for reading, or for room to write while output waits. */
static void
conn_watch(struct echo_loop *l, int fd, bool want_out)
{
	struct epoll_event ev = { .events = conn_events(want_out), .data.fd = fd };

	tern_epoll_ctl(l->x, l->ep, EPOLL_CTL_MOD, fd, &ev);
}

/* Write what waits. @return 1 all out, 0 the send buffer is full, -1 error. */
static int
conn_flush(struct echo_loop *l, int fd)
{
	struct echo_fd *e = &l->fds[fd];

	if (opts.zero_copy) {
		if (e->pending == NULL)
			return 1;
		if (tern_sock_send_mbuf(l->x, fd, e->pending) < 0)
			return errno == EAGAIN ? 0 : -1;
		e->pending = NULL;
		return 1;
	}
	while (e->off < e->len) {
		ssize_t n = tern_sock_write(l->x, fd, e->buf + e->off, e->len - e->off);

		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		e->off = (uint16_t)(e->off + n);
	}
	e->off = e->len = 0;
	return 1;
}

/* Take one batch of input into the connection's buffer. @return bytes, 0 at
 * end of stream, -1 with errno. */
static ssize_t
conn_read(struct echo_loop *l, int fd)
{
	struct echo_fd *e = &l->fds[fd];
	ssize_t n;

	if (opts.zero_copy)
		return tern_sock_recv_mbuf(l->x, fd, &e->pending, 65536);
	n = tern_sock_read(l->x, fd, e->buf, sizeof(e->buf));
	if (n > 0) {
		e->off = 0;
		e->len = (uint16_t)n;
	}
	return n;
}

/* Echo until input runs dry or output backs up. */
static void
conn_pump(struct echo_loop *l, int fd)
{
	struct echo_fd *e = &l->fds[fd];

	for (;;) {
		int rc = conn_flush(l, fd);
		ssize_t n;

		if (rc < 0) {
			conn_close(l, fd);
			return;
		}
		if (rc == 0) {
			conn_watch(l, fd, true);
			return;
		}
		if (e->eof) {
			conn_close(l, fd);
			return;
		}
		n = conn_read(l, fd);
		if (n == 0) {
			e->eof = true;
		} else if (n < 0) {
			if (errno != EAGAIN)
				conn_close(l, fd);
			return;
		}
	}
}

static void
loop_accept(struct echo_loop *l)
{
	for (;;) {
		int fd = tern_sock_accept(l->x, l->lfd, NULL, NULL);
		struct epoll_event ev = { .events = conn_events(false) };

		if (fd < 0)
			return;
		memset(&l->fds[fd], 0, offsetof(struct echo_fd, buf));
		ev.data.fd = fd;
		tern_epoll_ctl(l->x, l->ep, EPOLL_CTL_ADD, fd, &ev);
		l->accepted++;
		conn_pump(l, fd);   /* data may have come with the handshake */
	}
}

/* The event loop's body: once per worker iteration. */
static void
loop_run(struct tern_worker *w, uint64_t now_us, void *arg)
{
	struct echo_loop *l = arg;
	struct epoll_event evs[ECHO_EVENTS];
	int n = tern_epoll_wait(l->x, l->ep, evs, ECHO_EVENTS, 0);

	(void)w;
	(void)now_us;
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;

		if (fd == l->lfd) {
			loop_accept(l);
			continue;
		}
		if ((evs[i].events & EPOLLOUT) && conn_flush(l, fd) == 1)
			conn_watch(l, fd, false);
		conn_pump(l, fd);
	}
}

static int
loop_init(struct echo_loop *l, struct tern_worker *w)
{
	/* with [ipv6], one AF_INET6 listener on [::] takes both families */
	bool six = tern_worker_config(w)->ip6_enabled != 0;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(opts.port),
		.sin_addr = { .s_addr = htonl(INADDR_ANY) },
	};
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(opts.port) };
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1;

	l->x = tern_sock_ctx_create(w, 0);
	if (l->x == NULL) {
		fprintf(stderr, "tern-sockecho: socket table: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	l->max_fds = tern_sock_ctx_size(l->x);
	l->fds = calloc(l->max_fds, sizeof(l->fds[0]));
	l->ep = tern_epoll_create(l->x, 0);
	l->lfd = tern_socket(l->x, six ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (l->fds == NULL || l->ep < 0 || l->lfd < 0 ||
			tern_sock_setsockopt(l->x, l->lfd, SOL_SOCKET, SO_REUSEADDR, &one,
				sizeof(one)) != 0 ||
			(six ? tern_sock_bind(l->x, l->lfd, (struct sockaddr *)&sin6, sizeof(sin6)) :
			 tern_sock_bind(l->x, l->lfd, (struct sockaddr *)&sin, sizeof(sin))) != 0 ||
			tern_sock_listen(l->x, l->lfd, 4096) != 0) {
		fprintf(stderr, "tern-sockecho: listen on %u: %s\n", opts.port, strerror(errno));
		return -1;
	}
	ev.data.fd = l->lfd;
	if (tern_epoll_ctl(l->x, l->ep, EPOLL_CTL_ADD, l->lfd, &ev) != 0)
		return -1;
	tern_worker_set_poll_hook(w, loop_run, l);
	return 0;
}

/* After the workers stopped and the connections were aborted. */
static void
loops_free(void)
{
	for (unsigned int i = 0; loops != NULL && i < nb_loops; i++) {
		struct echo_loop *l = &loops[i];

		for (unsigned int fd = 0; l->fds != NULL && fd < l->max_fds; fd++)
			rte_pktmbuf_free(l->fds[fd].pending);
		tern_sock_ctx_free(l->x);
		free(l->fds);
	}
	free(loops);
	loops = NULL;
}

/* The socket table of one worker (the per-descriptor echo state is plain
 * memory, not DPDK's). */
static uint64_t
sockecho_mem_per_worker(const struct tern_config *cfg)
{
	return tern_sock_ctx_bytes(cfg, 0);
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [--config FILE] [--duration SEC] [--port N]\n"
		"          [--edge] [--zero-copy]\n"
		"  --config FILE  stack config (default config/tap.conf)\n"
		"  --duration SEC stop after SEC seconds (default: until SIGINT/SIGTERM)\n"
		"  --port N       TCP port to echo on (default 7)\n"
		"  --edge         edge-triggered readiness (EPOLLET)\n"
		"  --zero-copy    echo the received mbufs (tern_sock_recv_mbuf/send_mbuf)\n",
		prog);
}

static void
parse_args(struct app_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 'd' },
		{ "port", required_argument, NULL, 'p' },
		{ "edge", no_argument, NULL, 'e' },
		{ "zero-copy", no_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:d:p:ezh", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx->config_path = optarg;
			break;
		case 'd':
			ctx->duration_s = app_parse_seconds(ctx->name, "--duration", optarg);
			break;
		case 'p':
			opts.port = (uint16_t)app_parse_u64(ctx->name, "--port", optarg, 1, 65535);
			break;
		case 'e':
			opts.edge = true;
			break;
		case 'z':
			opts.zero_copy = true;
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
	struct app_ctx ctx = { .name = "tern-sockecho", .config_path = "config/tap.conf" };
	int eal_argc = app_eal_argc(argc, argv);
	uint64_t accepted = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (eal_argc < 0)
		eal_argc = argc;
	else
		parse_args(&ctx, argc - eal_argc, argv + eal_argc);
	app_load_config(&ctx);
	ctx.mem_per_worker = sockecho_mem_per_worker;
	ctx.mem_what = "tern-sockecho's socket table ([tcp] max_conns)";
	app_start(&ctx, eal_argc, argv);
	nb_loops = tern_stack_worker_count(ctx.stack);
	loops = calloc(nb_loops, sizeof(loops[0]));
	if (loops == NULL)
		return 1;
	for (unsigned int i = 0; i < nb_loops; i++)
		if (loop_init(&loops[i], tern_stack_worker(ctx.stack, i)) != 0)
			return 1;
	printf("tern-sockecho: echoing on port %u (%s, %s)\n", opts.port,
			opts.edge ? "edge-triggered" : "level-triggered",
			opts.zero_copy ? "zero-copy" : "copying");
	app_run(&ctx);
	/* the sockets hold mbufs of the workers' pools: free them before the stack */
	tern_stack_abort_conns(ctx.stack);
	for (unsigned int i = 0; i < nb_loops; i++)
		accepted += loops[i].accepted;
	printf("tern-sockecho: %lu connections accepted\n", (unsigned long)accepted);
	loops_free();
	return app_finish(&ctx, NULL);
}
