/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef LG_LOADGEN_H
#define LG_LOADGEN_H

/*
 * tern-loadgen's parts (main.c says what the program does):
 *
 *   main.c    options, the run's phases (run, drain, done) and the poll hook
 *   conn.c    a measured connection's life: open, send, callbacks, complete
 *   echo.c    the echo streams' pattern, sending and checking
 *   http.c    requests, uploads and the HTTP response reader
 *   idle.c    --idle: silent connections held through the measurement
 *   flood.c   the SYN flood, through the worker's transmit batch
 *   report.c  counters, the live line, the summary (text or JSON)
 *   bridge.c  --bridge: a second port's frames out of ours
 *   hdr.c     latency histogram
 *
 * Every part runs on the workers' lcores from the poll hook or callbacks,
 * except option parsing, setup and the summary (main thread).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "app_common.h"
#include "hdr.h"
#include "tern.h"

enum lg_mode { M_ECHO, M_HTTP, M_HTTP_CLOSE, M_BULK, M_SYN_FLOOD };

struct lg_opts {
	enum lg_mode mode;
	struct app_endpoint target; /* --target: IPv4, or IPv6 (http, echo, bulk) */
	uint32_t conns, size, depth;
	const char *path;
	uint64_t bytes, requests, rate;
	bool json, quiet;
	bool flood;                 /* --flood: flood alongside the mode */
	bool upload;                /* bulk --upload: POST --bytes, not GET them */
	bool client_close;          /* http-close --client-close: we close first */
	bool start_on_connect;      /* the clock (re)starts at the first connection */
	uint64_t idle;              /* --idle: connections held open, silent */
	uint64_t delay_us;          /* --delay-ms: pause between a response and the next request */
	const char *bridge;         /* --bridge: a second port's frames out of ours */
};
#define DEPTH_MAX 64
#define HDR_MAX   1024
#define CONNECTS_PER_ITER 64

struct lg_conn {
	struct tern_conn *c;        /* NULL: slot free, to be (re)opened */
	struct lg_worker *lw;
	uint32_t id;
	uint32_t inflight;          /* requests sent, not answered */
	uint64_t sent_ts[DEPTH_MAX];/* send time of each in-flight request, FIFO */
	uint32_t ts_head;
	uint64_t tx_off, rx_off;    /* echo: stream offsets */
	uint32_t rx_msg_off;        /* echo: bytes of the message being received */
	uint64_t next_send_us;      /* --delay-ms: no request before this */
	uint64_t up_left;           /* bulk --upload: body bytes still to queue */
	/* HTTP response parsing */
	uint32_t hlen;
	bool in_body;
	uint64_t body_left;
	uint16_t status;
	bool done;                  /* http-close / bulk: response complete */
	bool failed;
	bool closing;               /* draining: tern_close() called */
	bool established;           /* on_connected came */
	char hbuf[HDR_MAX];
};
struct lg_stats {
	uint64_t requests, non2xx, errors, bytes_rx, bytes_tx, conns_opened, conns_done;
	/* errors, by kind: connections that never got established (refused,
	 * reset, timed out, no port or memory to open, or still opening when
	 * the drain ran out), and established ones reset or timed out */
	uint64_t conns_failed, conns_reset;
	uint64_t syn_sent;
	uint64_t bytes_up;          /* bulk --upload: body bytes the server said it got */
};
/* One --idle connection: 16 bytes of loadgen state. */
struct idle_slot {
	struct tern_conn *c;        /* NULL once closed */
	struct lg_worker *lw;
	bool established;
	bool closing;               /* tern_close() called at the end */
};
struct lg_worker {
	struct tern_worker *w;
	struct lg_conn *conns;
	uint32_t nconns, open;
	struct lg_stats st;
	struct hdr_hist lat;        /* µs */
	uint64_t next_report_us, start_us, last_us;
	uint64_t busy0_us;           /* the worker's polls_busy_us at start_us */
	uint64_t busy_run_us;        /* of that, spent before the drain began */
	struct lg_stats last;       /* at the previous report */
	uint64_t flood_start_us;    /* --rate: when the flood began, and SYNs made since */
	uint64_t flood_sent;
	bool drain_started;         /* this worker closed its idle connections */
	uint32_t left_open;         /* aborted when the drain ran out of time */
	/* --idle: silent connections from our 2nd..last addresses */
	uint64_t idle_want, idle_started, idle_open, idle_est, idle_failed;
	uint64_t idle_closed_upto;  /* draining: slots below this were closed */
	uint64_t idle_closing;      /* of those, not yet gone */
	int last_errno;             /* of the last failed tern_connect */
	uint64_t ip6_wait_since_us; /* an IPv6 target: when it began waiting for DAD */
	bool warm;                  /* a connection got through: the target's MAC is known */
	uint32_t idle_addr;         /* index of the address now in use */
	struct idle_slot *idle;     /* idle_want of them */
	struct rte_mbuf *spare;     /* echo: a received buffer kept to carry a message */
} __rte_cache_aligned;

/*
 * The end of a run: when --requests or --duration is reached the measurement
 * stops (its figures are frozen), no new request or connection starts, and
 * every connection is closed gracefully once its in-flight requests are
 * answered, for at most --drain-ms. Whatever is still open then is aborted
 * and reported as left open. A peer thus sees every connection end normally.
 */
enum lg_phase { PH_IDLE, PH_RUN, PH_DRAIN, PH_DONE };

/** The run: its options and the state every part shares (main.c). */
struct lg_run {
	struct lg_opts opts;
	struct tern_stack *stack;
	struct lg_worker *lws;          /* one per worker */
	unsigned int nlw;
	uint64_t duration_us, drain_us;
	unsigned int wait_link_ms;      /* --wait-link: before the first connection */
	volatile enum lg_phase phase;
	uint64_t idle_setup_us;         /* how long the --idle connections took */
	uint64_t drain_start_us, drain_end_us;
	struct lg_stats frozen;         /* totals when the drain began */
	uint64_t idle_held;             /* --idle connections open when it began */
	uint64_t frozen_frames_tx, frozen_frames_rx;
};
extern struct lg_run lg;

/* The test pattern: byte @off of a stream (uploads; echo streams, offset per connection). */
static inline uint8_t
pattern_byte(uint64_t off)
{
	return (uint8_t)(off * 7 + (off >> 8));
}

/* --- main.c --- */
void lg_start_clock(struct lg_worker *lw, uint64_t now);

/* --- conn.c --- */
/** Queue what @p lc may send now (requests up to --depth, an upload's rest). */
void lg_send_more(struct lg_conn *lc);
/** A request of @p lc answered (@p ok: as it should be). */
void lg_complete(struct lg_conn *lc, bool ok);
/** Draining: close @p lc once nothing of it is in flight. */
void lg_close_if_drained(struct lg_conn *lc);
void lg_free_spare(struct lg_worker *lw);
/** (Re)open the free connection slots of @p lw. */
void lg_refill(struct lg_worker *lw);
/** --delay-ms: the connections whose pause is over send their next request. */
void lg_send_due(struct lg_worker *lw, uint64_t now);

/* --- echo.c --- */
void echo_pattern_fill(void);
bool lg_echo_send(struct lg_conn *lc);
bool lg_echo_input(struct lg_conn *lc, const uint8_t *p, uint32_t n);

/* --- http.c --- */
/** Build the request of the mode (and the upload body). */
void lg_http_prepare(void);
/** Queue one request on @p lc. @return 1 sent, 0 no room yet, -1 failed. */
int lg_http_send(struct lg_conn *lc);
bool lg_http_input(struct lg_conn *lc, const uint8_t *p, uint32_t n);
bool lg_upload_more(struct lg_conn *lc);

/* --- idle.c --- */
void lg_idle_open_some(struct lg_worker *lw);
void lg_idle_check(uint64_t now);
void lg_idle_close_some(struct lg_worker *lw);

/* --- flood.c --- */
void lg_flood(struct lg_worker *lw, uint64_t now);

/* --- report.c --- */
void lg_stats_add(struct lg_stats *dst, const struct lg_stats *src);
uint64_t lg_busy_us(const struct lg_worker *lw);
uint64_t lg_busy_since_start(const struct lg_worker *lw);
void lg_report_line(uint64_t now);
void print_summary(double secs);

#endif
