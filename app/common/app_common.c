/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <dirent.h>
#include <inttypes.h>
#include <errno.h>
#include <libgen.h>
#include <mntent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "app_common.h"
#include "tern_dpdk.h"

static struct tern_stack *volatile signal_stack;
static struct app_ctx *volatile signal_ctx;
static volatile sig_atomic_t linger_released;

RTE_LOG_REGISTER(tern_logtype_app, tern.app, INFO);

/*
 * Hugepage files of this process (PREFIXmap_N in every hugetlbfs mount),
 * removed at a clean exit. An app run without --huge-unlink keeps them while
 * it runs, so that secondary processes (dpdk-dumpcap, dpdk-proc-info) can map
 * its memory; DPDK 22.11 leaves them behind at exit, holding the pages. A
 * killed process still leaves them: the next start with the same
 * --file-prefix removes them (EAL), or rm does. Name read before
 * rte_eal_cleanup (the runtime directory's last part is the prefix).
 */
static void
app_unlink_hugepages(const char *prefix)
{
	struct mntent *me;
	FILE *mounts;
	size_t plen = strlen(prefix);

	if (plen == 0 || (mounts = setmntent("/proc/mounts", "r")) == NULL)
		return;
	while ((me = getmntent(mounts)) != NULL) {
		struct dirent *de;
		DIR *d;

		if (strcmp(me->mnt_type, "hugetlbfs") != 0 || (d = opendir(me->mnt_dir)) == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			char path[4096];

			if (strncmp(de->d_name, prefix, plen) != 0 ||
					strncmp(de->d_name + plen, "map_", 4) != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", me->mnt_dir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	endmntent(mounts);
}

/* The first signal stops the workers (or asks the app to end its run:
 * signal_ends_run); one after they stopped ends a linger. */
static void
app_on_signal(int sig __rte_unused)
{
	struct tern_stack *s = signal_stack;
	struct app_ctx *ctx = signal_ctx;

	if (s != NULL && ctx != NULL && ctx->signal_ends_run && !ctx->run_end_requested) {
		ctx->run_end_requested = 1;
		return;
	}
	if (s != NULL && !tern_stack_stopping(s))
		tern_stack_stop(s);
	else
		linger_released = 1;
}

int
app_eal_argc(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return -1;
}

void
app_load_config(struct app_ctx *ctx)
{
	char err[512];

	tern_config_defaults(&ctx->cfg);
	if (tern_config_load(&ctx->cfg, ctx->config_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", ctx->name, err);
		exit(APP_EXIT_USAGE);
	}
}

static void
app_arm_duration(double seconds)
{
	struct itimerval it = { 0 };

	if (seconds <= 0)
		return;
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	signal(SIGALRM, app_on_signal);
	setitimer(ITIMER_REAL, &it, NULL);
}

void
app_start(struct app_ctx *ctx, int eal_argc, char **eal_argv)
{
	struct tern_netdev *dev;
	struct tern_link link = { 0 };
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	char err[1024];

	if (rte_eal_init(eal_argc, eal_argv) < 0) {
		fprintf(stderr, "%s: EAL init failed: %s\n", ctx->name, rte_strerror(rte_errno));
		exit(1);
	}
	/* dpdk-dumpcap / dpdk-pdump can capture the port of a running app */
	if (rte_pdump_init() != 0)
		rte_log(RTE_LOG_WARNING, tern_logtype_app, "%s: packet capture unavailable: %s\n",
				ctx->name, rte_strerror(rte_errno));
	else if (!rte_eal_has_hugepages())
		rte_log(RTE_LOG_NOTICE, tern_logtype_app, "%s: no hugepages (--no-huge): "
				"dpdk-dumpcap and other secondary processes cannot attach\n",
				ctx->name);
	if (ctx->prepare != NULL && ctx->prepare() != 0) {
		rte_eal_cleanup();
		exit(1);
	}
	dev = tern_dpdk_open(ctx->cfg.port_device, (uint16_t)ctx->cfg.port_rx_desc,
			(uint16_t)ctx->cfg.port_tx_desc);
	if (dev == NULL) {
		fprintf(stderr, "%s: device '%s': %s\n", ctx->name, ctx->cfg.port_device,
				rte_strerror(rte_errno));
		rte_eal_cleanup();
		exit(1);
	}
	/* one worker per lcore: say what to change if they do not all fit */
	if (tern_mem_check(&ctx->cfg, ctx->cfg.port_mtu != 0 ? (uint16_t)ctx->cfg.port_mtu :
			dev->mtu, rte_lcore_count(),
			ctx->mem_per_worker != NULL ? ctx->mem_per_worker(&ctx->cfg) : 0, ctx->mem_what, err,
			sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", ctx->name, err);
		dev->ops->close(dev);
		rte_eal_cleanup();
		exit(1);
	}
	ctx->stack = tern_stack_create(&ctx->cfg, dev, rte_lcore_count());
	if (ctx->stack == NULL) {
		fprintf(stderr, "%s: stack: %s\n", ctx->name, rte_strerror(rte_errno));
		rte_eal_cleanup();
		exit(1);
	}
	ctx->dev = dev;
	signal_stack = ctx->stack;
	signal_ctx = ctx;
	signal(SIGINT, app_on_signal);
	signal(SIGTERM, app_on_signal);
	app_arm_duration(ctx->duration_s);
	dev->ops->link_get(dev, &link);
	rte_ether_format_addr(mac, sizeof(mac), &dev->mac);
	printf("%s: ready: %s on %s mac %s mtu %u, %u worker(s), link %s\n", ctx->name,
			inet_ntoa((struct in_addr){ .s_addr = ctx->cfg.ip_addr }), dev->name,
			mac, dev->mtu, tern_stack_worker_count(ctx->stack),
			link.up ? "up" : "down");
	fflush(stdout);
}

bool
app_wait_link(struct app_ctx *ctx, unsigned int max_ms)
{
	struct tern_link link = { 0 };

	for (unsigned int waited_ms = 0;; waited_ms += 10) {
		ctx->dev->ops->link_get(ctx->dev, &link);
		if (link.up || waited_ms >= max_ms || tern_stack_stopping(ctx->stack) ||
				ctx->run_end_requested)
			return link.up;
		rte_delay_us_sleep(10000);
	}
}

void
app_run(struct app_ctx *ctx)
{
	tern_stack_run(ctx->stack);
}

uint64_t
app_parse_u64(const char *prog, const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "%s: %s: expected a number in [%" PRIu64 ", %" PRIu64 "], got '%s'\n",
				prog, opt, min, max, s);
		exit(APP_EXIT_USAGE);
	}
	return v;
}

double
app_parse_seconds(const char *prog, const char *opt, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*end != '\0' || v <= 0) {
		fprintf(stderr, "%s: %s: not a positive number '%s'\n", prog, opt, s);
		exit(APP_EXIT_USAGE);
	}
	return v;
}

void
app_parse_endpoint(const char *prog, const char *opt, const char *s, struct app_endpoint *ep)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	const char *h = s;
	size_t hlen;

	memset(ep, 0, sizeof(*ep));
	if (colon == NULL) {
		fprintf(stderr, "%s: %s: expected A.B.C.D:PORT or [IPV6]:PORT, got '%s'\n", prog,
				opt, s);
		exit(APP_EXIT_USAGE);
	}
	hlen = (size_t)(colon - s);
	/* RFC 3986 §3.2.2: an IPv6 literal in brackets */
	if (s[0] == '[' && hlen >= 2 && colon[-1] == ']') {
		h = s + 1;
		hlen -= 2;
	}
	if (hlen >= sizeof(host)) {
		fprintf(stderr, "%s: %s: address too long in '%s'\n", prog, opt, s);
		exit(APP_EXIT_USAGE);
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (h == s ? inet_pton(AF_INET, host, &ep->v4) != 1 || ep->v4 == 0 :
			inet_pton(AF_INET6, host, ep->v6) != 1) {
		fprintf(stderr, "%s: %s: not an %s address '%s'\n", prog, opt,
				h == s ? "IPv4" : "IPv6", host);
		exit(APP_EXIT_USAGE);
	}
	/* [::ffff:a.b.c.d] names an IPv4 peer (RFC 4291 2.5.5.2) */
	if (h != s && memcmp(ep->v6, (const uint8_t[12]){ [10] = 0xff, [11] = 0xff }, 12) == 0)
		memcpy(&ep->v4, ep->v6 + 12, 4);
	ep->port = (uint16_t)app_parse_u64(prog, opt, colon + 1, 1, 65535);
}

const char *
app_peer_str(const struct tern_conn_info *ci, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ci->family == 6)
		snprintf(buf, len, "[%s]", inet_ntop(AF_INET6, ci->raddr6, a, sizeof(a)));
	else
		snprintf(buf, len, "%s", inet_ntop(AF_INET, &ci->raddr, a, sizeof(a)));
	return buf;
}

struct tern_conn *
app_connect(struct tern_worker *w, const struct app_endpoint *ep, const struct tern_conn_ops *ops,
		void *arg)
{
	if (ep->v4 != 0)
		return tern_connect(w, ep->v4, ep->port, ops, arg);
	return tern_connect6(w, ep->v6, ep->port, ops, arg);
}

void
app_print_stats(struct tern_stack *s, FILE *out)
{
	struct tern_stats sum;

	tern_stack_stats(s, &sum);
	for (size_t i = 0; i < TERN_STATS_COUNT; i++)
		fprintf(out, "stat %s %" PRIu64 "\n", tern_stats_name(i),
				tern_stats_value(&sum, i));
	/* how the work spread over the workers */
	for (unsigned int i = 0; i < tern_stack_worker_count(s); i++) {
		const struct tern_stats *w = tern_worker_stats(tern_stack_worker(s, i));

		fprintf(out, "worker %u rx_frames %" PRIu64 " tx_frames %" PRIu64
				" tcp_passive_opens %" PRIu64 " tcp_active_opens %" PRIu64
				" steer_tx %" PRIu64 " steer_rx %" PRIu64 " steer_drop_full %" PRIu64
				" tcp_rst_sent %" PRIu64 "\n", i, w->rx_frames, w->tx_frames,
				w->tcp_passive_opens, w->tcp_active_opens, w->steer_tx, w->steer_rx,
				w->steer_drop_full, w->tcp_rst_sent);
	}
}

int
app_finish(struct app_ctx *ctx, void (*release)(void))
{
	/* from here a signal ends the linger, if any */
	signal_stack = NULL;
	printf("%s: stopping\n", ctx->name);
	/* connections still open count as aborted in the figures printed */
	tern_stack_abort_conns(ctx->stack);
	app_print_stats(ctx->stack, stdout);
	fflush(stdout);
	if (ctx->linger) {
		/* workers stopped, port still open: a memif peer can stop its own
		 * workers and close its end while nothing here polls */
		printf("%s: lingering: workers stopped, port open until SIGINT or SIGTERM\n",
				ctx->name);
		fflush(stdout);
		while (!linger_released)
			rte_delay_us_sleep(10000);
	}
	tern_stack_free(ctx->stack);
	ctx->stack = NULL;
	if (release != NULL)
		release();
	rte_pdump_uninit();
	{
		char rt[4096];

		snprintf(rt, sizeof(rt), "%s", rte_eal_get_runtime_dir());
		rte_eal_cleanup();
		app_unlink_hugepages(basename(rt));
	}
	return 0;
}
