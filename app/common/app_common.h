/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_APP_COMMON_H
#define TERN_APP_COMMON_H

/*
 * What every bundled app does the same way, on the public API only:
 *   app [EAL args] -- [app args]
 * The config file is read and checked before EAL starts (a bad one exits 2
 * with one line naming file, section and key, and nothing is started).
 */

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "tern.h"

#define APP_EXIT_USAGE 2   /**< bad arguments or config */

struct app_ctx {
	const char *name;              /**< program name for messages */
	const char *config_path;       /**< --config */
	double duration_s;             /**< --duration; 0 = until a signal */
	struct tern_config cfg;        /**< loaded from config_path */
	struct tern_stack *stack;      /**< running stack */
	struct tern_netdev *dev;       /**< the configured port, open */
	/**
	 * Optional: run once EAL is up, before the port opens. Memory that
	 * frames will point into (tern_send_static) is allocated here: a port
	 * whose peer reads frames in place (net_memif zero-copy) shares the
	 * memory that exists when it starts. Non-zero: app_start exits 1 (the
	 * callback says why).
	 */
	int (*prepare)(void);
	/**
	 * Optional: DPDK memory the app takes per worker besides the stack's,
	 * and what sets it (for the message when it does not fit): app_start
	 * checks stack and app together before building anything.
	 */
	uint64_t (*mem_per_worker)(const struct tern_config *cfg);
	const char *mem_what;
	/**
	 * --linger: app_finish prints the counters with the workers stopped,
	 * then keeps the port open until SIGINT or SIGTERM. Lets a harness
	 * close both ends of a net_memif pair while neither end polls.
	 */
	bool linger;
	/**
	 * Set by the app before app_start: the first SIGINT or SIGTERM sets
	 * run_end_requested, for the app to end its run as at its natural end
	 * (tern-loadgen: the drain, then the summary), instead of stopping the
	 * workers at once; a second one stops them.
	 */
	bool signal_ends_run;
	volatile sig_atomic_t run_end_requested;
};

/**
 * Index of the "--" that ends the EAL arguments in @p argv, or -1 if none.
 */
int app_eal_argc(int argc, char **argv);

/** Load ctx->config_path into ctx->cfg; on error print one line, exit 2. */
void app_load_config(struct app_ctx *ctx);

/**
 * Start EAL with @p eal_argc / @p eal_argv, open the configured device, build
 * the stack (one worker per lcore), install SIGINT/SIGTERM (and --duration)
 * handlers that stop it. Exits 1 with a message if any step fails.
 */
void app_start(struct app_ctx *ctx, int eal_argc, char **eal_argv);

/**
 * Wait up to @p max_ms for the port's link to come up: a memif server's comes
 * up when its peer connects, a NIC's seconds after it starts. For clients,
 * which would otherwise send into a link that is down. SIGINT or SIGTERM ends
 * the wait. @return true if up.
 */
bool app_wait_link(struct app_ctx *ctx, unsigned int max_ms);

/** Run the workers until stopped. */
void app_run(struct app_ctx *ctx);

/**
 * Parse @p s as a decimal number in [@p min, @p max] for option @p opt;
 * on error print one line and exit 2.
 */
uint64_t app_parse_u64(const char *prog, const char *opt, const char *s,
		uint64_t min, uint64_t max);

/**
 * Parse @p s as a positive number of seconds for option @p opt; on error
 * print one line and exit 2.
 */
double app_parse_seconds(const char *prog, const char *opt, const char *s);

/** A peer's address and port: IPv4 (@c v4 non-zero) or IPv6. */
struct app_endpoint {
	uint32_t v4;                /**< network order; 0: an IPv6 endpoint */
	uint8_t v6[16];             /**< network order */
	uint16_t port;              /**< host order */
};

/**
 * Parse "A.B.C.D:PORT" or "[IPV6]:PORT" for option @p opt into @p ep; on
 * error print one line and exit 2.
 */
void app_parse_endpoint(const char *prog, const char *opt, const char *s,
		struct app_endpoint *ep);

/** The peer's address of @p ci as text: "A.B.C.D" or "[IPV6]". @return @p buf. */
const char *app_peer_str(const struct tern_conn_info *ci, char *buf, size_t len);

/** tern_connect() or tern_connect6() to @p ep, by its family. */
struct tern_conn *app_connect(struct tern_worker *w, const struct app_endpoint *ep,
		const struct tern_conn_ops *ops, void *arg);

/** Print every counter, "stat NAME VALUE" per line, to @p out. */
void app_print_stats(struct tern_stack *s, FILE *out);

/**
 * Print counters, wait for a signal if ctx->linger, free the stack (the
 * workers have stopped: the port is closed after them; open connections are
 * aborted: their on_closed runs now), call @p release (may be NULL) to free
 * what those callbacks used, then clean EAL up. @return exit status 0.
 */
int app_finish(struct app_ctx *ctx, void (*release)(void));

#endif
