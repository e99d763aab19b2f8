/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen: the client side of Tern's benchmarks, on the public API.
 *
 *   tern-loadgen [EAL args] -- --config FILE --target A.B.C.D:PORT|[IPV6]:PORT --mode MODE
 *       [--conns N] [--size BYTES] [--depth D] [--path P] [--bytes N]
 *       [--duration SEC] [--requests N] [--rate PPS] [--wait-link SEC] [--json] [--quiet]
 *       [--linger] [--bridge DEVICE]
 *
 * Modes:
 *   echo        N connections, messages of --size bytes, --depth in flight
 *               each; every echoed byte is checked against the pattern sent
 *   http        keep-alive GETs of --path over N connections (--depth pipelined)
 *   http-close  one GET with "Connection: close" per connection, N at a time:
 *               connections per second; the server closes first (as HTTP/1.1
 *               says), or with --client-close tern-loadgen does, once the
 *               response is in (for servers that never close: they answer
 *               every read and close when the peer does)
 *   bulk        GET /bytes/--bytes again and again on N keep-alive connections
 *               (one, for the single-connection figure): Gbit/s; with --upload
 *               POST --bytes to /echo instead (a copying sender: tern_send)
 *   syn-flood   SYNs from random spoofed sources (198.18.0.0/15) at --rate
 *               packets/s (0: as fast as possible), sent to the target's IP
 *               in broadcast frames: a flood source for resilience tests
 * --flood PPS adds that flood (0: flat out) to any other mode, from the same
 * worker: legitimate load and a flood at once over one port. --bridge DEVICE
 * sends what a second port receives out of this one (bridge.h): a
 * third-party flood (pktgen) beside the legitimate load.
 * Every response is checked (status 200, Content-Length, body length; echo
 * content). One line per second on stderr; a summary at the end with
 * latency percentiles from an HDR histogram, or a JSON object (--json).
 * Latency runs from the worker iteration that queued a request to the one
 * that received its response, on the worker's clock (tern_worker_now: read
 * once per iteration, not per request).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "app_common.h"
#include "bridge.h"
#include "loadgen.h"

struct lg_run lg = {
	.opts = { .mode = M_HTTP, .conns = 64, .size = 64, .depth = 1, .path = "/",
		.bytes = 1 << 20 },
	.drain_us = 1000000,
	.phase = PH_RUN,
};

/* The app's context: its first SIGINT or SIGTERM ends the run (signal_ends_run). */
static struct app_ctx lg_app = { .name = "tern-loadgen",
	.config_path = "config/memif-client.conf", .signal_ends_run = true };

/* The measured run starts for @lw: its clock, and its load from here. */
void
lg_start_clock(struct lg_worker *lw, uint64_t now)
{
	lw->start_us = lw->last_us = lw->next_report_us = now;
	lw->busy0_us = lg_busy_us(lw);
}

/* Worker 0: has the run reached --requests or --duration, or a signal come? */
static bool
lg_run_over(uint64_t now)
{
	if (lg_app.run_end_requested)
		return true;
	/* --start-on-connect: the run has not begun before a connection has */
	if (lg.opts.start_on_connect && !lg.lws[0].warm)
		return false;
	if (lg.opts.requests != 0) {
		uint64_t r = 0;

		for (unsigned int i = 0; i < lg.nlw; i++)
			r += lg.lws[i].st.requests;
		if (r >= lg.opts.requests)
			return true;
	}
	return lg.duration_us != 0 && now - lg.lws[0].start_us >= lg.duration_us;
}

/* Worker 0: freeze the figures and start the drain. */
static void
lg_begin_drain(uint64_t now)
{
	struct tern_stats ts;

	memset(&lg.frozen, 0, sizeof(lg.frozen));
	for (unsigned int i = 0; i < lg.nlw; i++)
		lg_stats_add(&lg.frozen, &lg.lws[i].st);
	tern_stack_stats(lg.stack, &ts);
	lg.frozen_frames_tx = ts.tx_frames;
	lg.frozen_frames_rx = ts.rx_frames;
	for (unsigned int i = 0; i < lg.nlw; i++)
		lg.lws[i].busy_run_us = lg_busy_since_start(&lg.lws[i]);
	lg.idle_held = 0;
	for (unsigned int i = 0; i < lg.nlw; i++)
		lg.idle_held += lg.lws[i].idle_open;
	lg.drain_start_us = now;
	lg.drain_end_us = now + lg.drain_us;
	__atomic_store_n(&lg.phase, PH_DRAIN, __ATOMIC_RELEASE);
}

/* Every worker, draining: close idle connections once, abort the rest at the end. */
static void
lg_drain(struct lg_worker *lw, uint64_t now)
{
	if (!lw->drain_started) {
		lw->drain_started = true;
		for (uint32_t i = 0; i < lw->nconns; i++)
			lg_close_if_drained(&lw->conns[i]);
	}
	lg_idle_close_some(lw);
	if (now < lg.drain_end_us || (lw->open == 0 && lw->idle_open == 0))
		return;
	for (uint32_t i = 0; i < lw->nconns; i++)
		if (lw->conns[i].c != NULL) {
			lw->left_open++;
			if (!lw->conns[i].established) {
				/* opening for the whole drain: its SYN went unanswered */
				lw->st.conns_failed++;
				lw->st.errors++;
			}
			tern_abort(lw->conns[i].c);
		}
	for (uint64_t i = 0; i < lw->idle_started; i++)
		if (lw->idle[i].c != NULL) {
			lw->left_open++;
			tern_abort(lw->idle[i].c);
		}
}

/* Worker 0: stop the stack when every worker's connections are gone. */
static void
lg_stop_when_drained(void)
{
	for (unsigned int i = 0; i < lg.nlw; i++)
		if (__atomic_load_n(&lg.lws[i].open, __ATOMIC_RELAXED) != 0 ||
				__atomic_load_n(&lg.lws[i].idle_open, __ATOMIC_RELAXED) != 0)
			return;
	__atomic_store_n(&lg.phase, PH_DONE, __ATOMIC_RELEASE);
	tern_stack_stop(lg.stack);
}

static void
lg_hook(struct tern_worker *w, uint64_t now, void *arg)
{
	struct lg_worker *lw = arg;

	/* an IPv6 target: the run starts once our address for it is in use
	 * (Duplicate Address Detection takes a second), for 10 s at most */
	if (lw->start_us == 0 && lg.opts.target.v4 == 0 &&
			!tern_worker_ip6_usable(w, lg.opts.target.v6)) {
		if (lw->ip6_wait_since_us == 0)
			lw->ip6_wait_since_us = now;
		if (now - lw->ip6_wait_since_us < 10000000)
			return;
	}
	if (lw->start_us == 0)
		lg_start_clock(lw, now);
	if (lg.opts.bridge != NULL && lw == &lg.lws[0])
		lg_bridge_poll(tern_stack_netdev(lg.stack), (uint16_t)tern_worker_id(w));
	if (lg.phase == PH_IDLE) {
		lg_idle_open_some(lw);
		if (lw == &lg.lws[0])
			lg_idle_check(now);
		if (lw == &lg.lws[0] && !lg.opts.quiet && now >= lw->next_report_us + 1000000) {
			uint64_t est = 0, errs = 0;
			int e = 0;

			lw->next_report_us = now;
			for (unsigned int i = 0; i < lg.nlw; i++) {
				est += lg.lws[i].idle_est;
				errs += lg.lws[i].st.errors;
				e = lg.lws[i].last_errno != 0 ? lg.lws[i].last_errno : e;
			}
			fprintf(stderr, "tern-loadgen: %5.1fs idle connections %" PRIu64 " of %"
					PRIu64 ", errors %" PRIu64 "%s%s\n", (now - lw->start_us) / 1e6,
					est, lg.opts.idle, errs, e != 0 ? ", last connect error: " : "",
					e != 0 ? rte_strerror(e) : "");
		}
		return;
	}
	if (lw == &lg.lws[0] && lg.phase == PH_RUN && lg_run_over(now))
		lg_begin_drain(now);
	if (lg.phase == PH_RUN) {
		if (lg.opts.mode == M_SYN_FLOOD || lg.opts.flood)
			lg_flood(lw, now);
		if (lg.opts.mode != M_SYN_FLOOD)
			lg_refill(lw);
		if (lg.opts.delay_us != 0)
			lg_send_due(lw, now);
	} else if (lg.phase == PH_DRAIN) {
		lg_free_spare(lw);
		lg_drain(lw, now);
		if (lw == &lg.lws[0])
			lg_stop_when_drained();
	}
	if (lw == &lg.lws[0] && now >= lw->next_report_us + 1000000) {
		lw->next_report_us = now;
		lg_report_line(now);
	}
}

/* ---------------------------------------------------------------- setup */

static void
usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [EAL args] -- --config FILE --target A.B.C.D:PORT|[IPV6]:PORT --mode MODE [options]\n"
		"  --mode M        echo | http | http-close | bulk | syn-flood (default http)\n"
		"  --conns N       connections (default 64)\n"
		"  --size BYTES    echo message size (default 64)\n"
		"  --depth D       requests in flight per connection (default 1, max 64)\n"
		"  --path P        HTTP path (default /)\n"
		"  --bytes N       bulk: bytes per download (default 1 MiB, tern-httpd serves <= 64 MiB)\n"
		"  --client-close  http-close: close each connection once its response is\n"
		"                  in, not after the server's FIN; tern-loadgen then holds\n"
		"                  the TIME_WAITs and takes each port again after a quiet\n"
		"                  second, so ports per second is its rate at most (more:\n"
		"                  [tcp] port_min/port_max wider, max_time_wait below them)\n"
		"  --upload        bulk: POST --bytes to /echo instead (tern-httpd --max-body),\n"
		"                  each answer checked (\"received N bytes\")\n"
		"  --duration SEC  run time (default until SIGINT, or --requests); SIGINT\n"
		"                  or SIGTERM ends the run as its end does (the drain,\n"
		"                  the summary), a second one stops at once\n"
		"  --requests N    stop after N responses\n"
		"  --idle N        first open N connections that stay silent, from the\n"
		"                  config's 2nd..last addresses ([ipv4] address_count), and\n"
		"                  hold them through the measurement (the measured ones use\n"
		"                  the first address)\n"
		"  --delay-ms MS   http, echo: pause MS after each response before the\n"
		"                  next request on that connection (a moderate, steady\n"
		"                  rate for latency: as wrk's delay())\n"
		"  --wait-link SEC wait up to SEC for the port's link before starting (a\n"
		"                  memif server's link is up once its peer connects);\n"
		"                  exit 1 if it is still down\n"
		"  --start-on-connect  the measured run starts when the first connection\n"
		"                  is established, not at the first poll (a server that\n"
		"                  brings its link up before it answers); it runs until\n"
		"                  then, however long\n"
		"  --linger        after the summary keep the port open, workers stopped,\n"
		"                  until SIGINT or SIGTERM (a memif pair's harness closes\n"
		"                  the other end first)\n"
		"  --drain-ms MS   at the end, wait up to MS for connections to close\n"
		"                  gracefully before aborting them (default 1000)\n"
		"  --rate PPS      syn-flood rate (0: as fast as possible)\n"
		"  --flood PPS     also flood SYNs at PPS (0: flat out) during another mode\n"
		"  --bridge DEV    send what DPDK device DEV receives out of our port as it\n"
		"                  is (worker 0's queue): a third-party generator beside us\n"
		"  --json          print the summary as JSON\n"
		"  --quiet         no live line\n", prog);
}

/* The number in optarg for option @opt, within [@min, @max] (else exit 2). */
static uint64_t
lg_num(const char *opt, uint64_t min, uint64_t max)
{
	return app_parse_u64("tern-loadgen", opt, optarg, min, max);
}

static void
parse_args(struct app_ctx *ctx, int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' }, { "target", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' }, { "conns", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' }, { "depth", required_argument, NULL, 'D' },
		{ "path", required_argument, NULL, 'p' }, { "bytes", required_argument, NULL, 'b' },
		{ "upload", no_argument, NULL, 'U' },
		{ "client-close", no_argument, NULL, 'X' },
		{ "start-on-connect", no_argument, NULL, 'S' },
		{ "duration", required_argument, NULL, 'd' },
		{ "drain-ms", required_argument, NULL, 'e' },
		{ "wait-link", required_argument, NULL, 'L' },
		{ "delay-ms", required_argument, NULL, 'w' },
		{ "idle", required_argument, NULL, 'i' },
		{ "requests", required_argument, NULL, 'r' }, { "rate", required_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' }, { "quiet", no_argument, NULL, 'q' },
		{ "flood", required_argument, NULL, 'F' }, { "linger", no_argument, NULL, 'G' },
		{ "bridge", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:t:m:n:s:D:p:b:UXSd:e:L:w:i:r:R:F:B:jqGh", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': ctx->config_path = optarg; break;
		case 't': app_parse_endpoint(ctx->name, "--target", optarg, &lg.opts.target); break;
		case 'm':
			if (strcmp(optarg, "echo") == 0) lg.opts.mode = M_ECHO;
			else if (strcmp(optarg, "http") == 0) lg.opts.mode = M_HTTP;
			else if (strcmp(optarg, "http-close") == 0) lg.opts.mode = M_HTTP_CLOSE;
			else if (strcmp(optarg, "bulk") == 0) lg.opts.mode = M_BULK;
			else if (strcmp(optarg, "syn-flood") == 0) lg.opts.mode = M_SYN_FLOOD;
			else {
				fprintf(stderr, "tern-loadgen: --mode: unknown '%s'\n", optarg);
				exit(APP_EXIT_USAGE);
			}
			break;
		case 'n': lg.opts.conns = (uint32_t)lg_num("--conns", 1, 4000000); break;
		case 's': lg.opts.size = (uint32_t)lg_num("--size", 1, 1 << 20); break;
		case 'D': lg.opts.depth = (uint32_t)lg_num("--depth", 1, DEPTH_MAX); break;
		case 'p': lg.opts.path = optarg; break;
		case 'b': lg.opts.bytes = lg_num("--bytes", 1, 1ull << 40); break;
		case 'U': lg.opts.upload = true; break;
		case 'X': lg.opts.client_close = true; break;
		case 'S': lg.opts.start_on_connect = true; break;
		case 'd': lg.duration_us = lg_num("--duration", 1, 86400) * 1000000; break;
		case 'e': lg.drain_us = lg_num("--drain-ms", 0, 600000) * 1000; break;
		case 'L':
			lg.wait_link_ms = (unsigned int)lg_num("--wait-link", 0, 600) * 1000;
			break;
		case 'w': lg.opts.delay_us = lg_num("--delay-ms", 0, 60000) * 1000; break;
		case 'r': lg.opts.requests = lg_num("--requests", 1, UINT64_MAX); break;
		case 'R': lg.opts.rate = lg_num("--rate", 0, 1ull << 32); break;
		case 'F':
			lg.opts.rate = lg_num("--flood", 0, 1ull << 32);
			lg.opts.flood = true;
			break;
		case 'i': lg.opts.idle = lg_num("--idle", 0, 16000000); break;
		case 'j': lg.opts.json = true; break;
		case 'q': lg.opts.quiet = true; break;
		case 'G': ctx->linger = true; break;
		case 'B': lg.opts.bridge = optarg; break;
		case 'h': usage(ctx->name); exit(0);
		default: usage(ctx->name); exit(APP_EXIT_USAGE);
		}
	}
	if (optind != argc || lg.opts.target.port == 0) {
		fprintf(stderr, "tern-loadgen: %s\n", lg.opts.target.port == 0 ?
				"--target is required" : "unexpected argument");
		exit(APP_EXIT_USAGE);
	}
	if (lg.opts.target.v4 == 0 && (lg.opts.mode == M_SYN_FLOOD || lg.opts.idle != 0)) {
		fprintf(stderr, "tern-loadgen: --mode syn-flood and --idle take an IPv4 target\n");
		exit(APP_EXIT_USAGE);
	}
	if (lg.opts.upload && lg.opts.mode != M_BULK) {
		fprintf(stderr, "tern-loadgen: --upload goes with --mode bulk\n");
		exit(APP_EXIT_USAGE);
	}
	if (lg.opts.client_close && lg.opts.mode != M_HTTP_CLOSE) {
		fprintf(stderr, "tern-loadgen: --client-close goes with --mode http-close\n");
		exit(APP_EXIT_USAGE);
	}
	if (lg.opts.delay_us != 0 && lg.opts.mode != M_HTTP && lg.opts.mode != M_ECHO) {
		fprintf(stderr, "tern-loadgen: --delay-ms goes with --mode http or echo\n");
		exit(APP_EXIT_USAGE);
	}
}

int
main(int argc, char **argv)
{
	struct app_ctx *ctx = &lg_app;
	int eal_argc = app_eal_argc(argc, argv);
	uint64_t t0, t1;
	bool oom = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (eal_argc < 0) {
		usage(argv[0]);
		return APP_EXIT_USAGE;
	}
	parse_args(ctx, argc - eal_argc, argv + eal_argc);
	if (lg.opts.mode == M_ECHO)
		echo_pattern_fill();
	else
		lg_http_prepare();
	app_load_config(ctx);
	app_start(ctx, eal_argc, argv);
	lg.stack = ctx->stack;
	if (lg.wait_link_ms != 0 && !app_wait_link(ctx, lg.wait_link_ms)) {
		if (tern_stack_stopping(lg.stack) || ctx->run_end_requested)
			fprintf(stderr, "tern-loadgen: stopped while waiting for the link\n");
		else
			fprintf(stderr, "tern-loadgen: --wait-link: link still down after %u s\n",
					lg.wait_link_ms / 1000);
		app_finish(ctx, NULL);
		return 1;
	}
	lg.nlw = tern_stack_worker_count(lg.stack);
	if (lg.opts.idle != 0 && ctx->cfg.ip_addr_count < 2) {
		fprintf(stderr, "tern-loadgen: --idle needs [ipv4] address_count >= 2 in %s\n",
				ctx->config_path);
		app_finish(ctx, NULL);
		return APP_EXIT_USAGE;
	}
	lg.lws = rte_zmalloc("lg_workers", lg.nlw * sizeof(lg.lws[0]), RTE_CACHE_LINE_SIZE);
	for (unsigned int i = 0; lg.lws != NULL && i < lg.nlw; i++) {
		struct lg_worker *lw = &lg.lws[i];

		lw->w = tern_stack_worker(lg.stack, i);
		lw->nconns = lg.opts.conns / lg.nlw + (i < lg.opts.conns % lg.nlw);
		lw->conns = rte_zmalloc("lg_conns", (lw->nconns + 1) * sizeof(lw->conns[0]), 0);
		if (lw->conns == NULL) {
			oom = true;
			break;
		}
		for (uint32_t k = 0; k < lw->nconns; k++) {
			lw->conns[k].id = i * 1000003u + k;
			lw->conns[k].lw = lw;
		}
		hdr_init(&lw->lat);
		lw->idle_want = lg.opts.idle / lg.nlw + (i < lg.opts.idle % lg.nlw);
		if (lw->idle_want != 0) {
			lw->idle = rte_zmalloc("lg_idle", lw->idle_want * sizeof(lw->idle[0]), 0);
			if (lw->idle == NULL) {
				oom = true;
				break;
			}
		}
		tern_worker_set_poll_hook(lw->w, lg_hook, lw);
	}
	if (lg.lws == NULL || oom) {
		fprintf(stderr, "tern-loadgen: out of memory\n");
		return 1;
	}
	if (lg.opts.bridge != NULL && lg_bridge_open(lg.opts.bridge) < 0) {
		app_finish(ctx, NULL);
		return 1;
	}
	if (lg.opts.idle != 0)
		lg.phase = PH_IDLE;
	t0 = tern_clock_us();
	app_run(ctx);
	t1 = tern_clock_us();
	for (unsigned int i = 0; i < lg.nlw; i++)
		lg_free_spare(&lg.lws[i]);     /* a run stopped before its drain */
	/* the measurement starts after any --idle setup and ends at the drain */
	if (lg.phase >= PH_RUN && lg.lws[0].start_us != 0)
		t0 = lg.lws[0].start_us;
	if (lg.phase >= PH_DRAIN)
		t1 = lg.drain_start_us;
	print_summary((t1 - t0) / 1e6);
	return app_finish(ctx, lg_bridge_close);
}
