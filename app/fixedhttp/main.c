/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-fixedhttp: the smallest HTTP-shaped server, for comparing stacks
 * rather than servers (tests/bench/bench.py --peer).
 *
 *   tern-fixedhttp [EAL args] -- [--config FILE] [--port N] [--size BYTES]
 *                                [--static] [--duration SEC]
 *
 * Every piece of data received is freed unread and answered with the same
 * HTTP/1.1 200 response, --size bytes in all (default 649: what F-Stack's
 * example sends), headers included; the connection is closed once the peer
 * has closed its side. No parsing: one response per on_recv call, so a
 * client must keep one request in flight per connection (no pipelining),
 * exactly as with a server that answers every read(). The response is
 * copied into the send buffer (tern_send, as a write() would), or with
 * --static sent by reference (tern_send_static).
 *
 * Connection state is one number, the responses still owed when the send
 * buffer was short (kept in the callbacks' argument): no pools.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "app_common.h"

#define FIXED_SIZE_MIN 128
#define FIXED_SIZE_MAX 8192

static struct {
	uint16_t port;
	uint32_t size;
	bool by_ref;
} opts = { .port = 80, .size = 649 };

static char *response;          /* opts.size bytes, in DPDK memory (--static) */

/*
 * Fill @p buf with a complete response of exactly @p size bytes: the header
 * block, then a page padded to the length Content-Length announces.
 * @return 0, or -1 if @p size cannot hold the headers and a page.
 */
static int
fixed_response_build(char *buf, uint32_t size)
{
	static const char page_head[] = "<!DOCTYPE html>\n<html><head><title>Tern</title></head>"
			"<body><p>A fixed response from tern-fixedhttp.</p><!-- ";
	static const char page_tail[] = " --></body></html>\n";
	char hdr[256];
	uint32_t body = 0;
	int hlen = 0;

	/* the header's length depends on the body's digits: settle it */
	for (int i = 0; i < 3; i++) {
		hlen = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nServer: tern-fixedhttp\r\n"
				"Content-Type: text/html\r\nContent-Length: %u\r\n"
				"Connection: keep-alive\r\n\r\n", body);
		body = size > (uint32_t)hlen ? size - (uint32_t)hlen : 0;
	}
	if (body < sizeof(page_head) + sizeof(page_tail))
		return -1;
	memcpy(buf, hdr, (size_t)hlen);
	buf += hlen;
	memcpy(buf, page_head, sizeof(page_head) - 1);
	memset(buf + sizeof(page_head) - 1, '.', body - (sizeof(page_head) - 1) -
			(sizeof(page_tail) - 1));
	memcpy(buf + body - (sizeof(page_tail) - 1), page_tail, sizeof(page_tail) - 1);
	return 0;
}

static const struct tern_conn_ops fixed_ops;

/*
 * Send the @p owed responses the send buffer takes whole; keep the rest owed
 * (@p stored: what the callbacks' argument says now).
 */
static void
fixed_answer(struct tern_conn *c, uintptr_t stored, uintptr_t owed)
{
	while (owed != 0 && tern_send_space(c) >= opts.size) {
		int rc = opts.by_ref ? tern_send_static(c, response, opts.size) :
			tern_send(c, response, opts.size);

		if (rc != (int)opts.size) {
			tern_abort(c);      /* a partial response: the stream is broken */
			return;
		}
		owed--;
	}
	if (owed != stored)
		tern_conn_set_ops(c, &fixed_ops, (void *)owed);
}

static void
fixed_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg)
{
	rte_pktmbuf_free(m);
	fixed_answer(c, (uintptr_t)arg, (uintptr_t)arg + 1);
}

static void
fixed_on_sent(struct tern_conn *c, uint32_t acked, void *arg)
{
	(void)acked;
	if (arg != NULL)
		fixed_answer(c, (uintptr_t)arg, (uintptr_t)arg);
}

static void
fixed_on_peer_closed(struct tern_conn *c, void *arg)
{
	(void)arg;
	tern_close(c);
}

static void
fixed_on_closed(struct tern_conn *c, int reason, void *arg)
{
	(void)c;
	(void)reason;
	(void)arg;
}

static const struct tern_conn_ops fixed_ops = {
	.on_recv = fixed_on_recv,
	.on_sent = fixed_on_sent,
	.on_peer_closed = fixed_on_peer_closed,
	.on_closed = fixed_on_closed,
};

static int
fixed_on_accept(struct tern_conn *c, void *arg)
{
	(void)arg;
	tern_conn_set_ops(c, &fixed_ops, NULL);
	return 0;
}

/* Before the port opens: the response in DPDK memory (tern_send_static needs it there). */
static int
fixed_prepare(void)
{
	response = rte_malloc("fixedhttp", opts.size, 0);
	if (response == NULL || fixed_response_build(response, opts.size) != 0) {
		fprintf(stderr, "tern-fixedhttp: cannot build a %u-byte response\n", opts.size);
		return -1;
	}
	return 0;
}

static void
fixed_release(void)
{
	rte_free(response);
	response = NULL;
}

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- [--config FILE] [--port N] [--size BYTES] [--static]\n"
		"          [--duration SEC]\n"
		"  --config FILE   stack config (default config/tap.conf)\n"
		"  --port N        TCP port (default 80)\n"
		"  --size BYTES    the response's size, headers included (default 649, %d..%d)\n"
		"  --static        send it by reference (tern_send_static), not copied\n"
		"  --duration SEC  stop after SEC seconds (default: until SIGINT/SIGTERM)\n",
		prog, FIXED_SIZE_MIN, FIXED_SIZE_MAX);
}

static void
parse_args(struct app_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "port", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "static", no_argument, NULL, 'S' },
		{ "duration", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:p:s:Sd:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctx->config_path = optarg;
			break;
		case 'p':
			opts.port = (uint16_t)app_parse_u64(ctx->name, "--port", optarg, 1, 65535);
			break;
		case 's':
			opts.size = (uint32_t)app_parse_u64(ctx->name, "--size", optarg, FIXED_SIZE_MIN,
					FIXED_SIZE_MAX);
			break;
		case 'S':
			opts.by_ref = true;
			break;
		case 'd':
			ctx->duration_s = app_parse_seconds(ctx->name, "--duration", optarg);
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
	struct app_ctx ctx = { .name = "tern-fixedhttp", .config_path = "config/tap.conf" };
	int eal_argc = app_eal_argc(argc, argv);

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (eal_argc < 0)
		eal_argc = argc;
	else
		parse_args(&ctx, argc - eal_argc, argv + eal_argc);
	app_load_config(&ctx);
	ctx.prepare = fixed_prepare;
	app_start(&ctx, eal_argc, argv);
	for (unsigned int i = 0; i < tern_stack_worker_count(ctx.stack); i++) {
		int rc = tern_listen(tern_stack_worker(ctx.stack, i), opts.port, fixed_on_accept, NULL);

		if (rc != 0) {
			fprintf(stderr, "tern-fixedhttp: listen on %u: %s\n", opts.port, strerror(-rc));
			return 1;
		}
	}
	printf("tern-fixedhttp: a %u-byte response to every read on port %u\n", opts.size,
			opts.port);
	app_run(&ctx);
	return app_finish(&ctx, fixed_release);
}
