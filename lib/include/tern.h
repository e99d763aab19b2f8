/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_H
#define TERN_H

/**
 * @file
 * Tern's public API. An application starts EAL, reads a struct tern_config,
 * opens a device (drivers/dpdk: tern_dpdk_open(); tests: drivers/sim), creates
 * one struct tern_stack over it and runs it: one worker per lcore, each
 * polling its own queue and carrying every packet to completion.
 *
 * Threads: a worker and everything reachable from it belong to one lcore.
 * Functions taking a struct tern_worker run on that worker's lcore, or before
 * tern_stack_run() from the main thread. Errors are negative errno values;
 * constructors return NULL and set rte_errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern_config.h"
#include "tern_netdev.h"
#include "tern_stats.h"

#ifdef __cplusplus
extern "C" {
#endif

struct tern_stack;  /**< one per process: config, device, workers */
struct tern_worker; /**< one per lcore */

/**
 * Build a stack of @p nb_workers workers over @p dev: one mbuf pool and one
 * queue pair per worker, the device configured and started.
 *
 * @param dev  the stack owns it from now on, also on failure (closed then).
 * @return the stack, or NULL with rte_errno set (EINVAL bad config or more
 *         workers than the device has queues, ENOMEM (the workers would not
 *         fit in DPDK memory: tern_mem_check(), logged), or the driver's error).
 */
struct tern_stack *tern_stack_create(const struct tern_config *cfg,
		struct tern_netdev *dev, unsigned int nb_workers);

/**
 * Run worker i on the i-th enabled lcore (the main lcore is worker 0) until
 * tern_stack_stop(). Needs at least as many lcores as workers.
 * @return 0, or -EINVAL if there are fewer lcores than workers.
 */
int tern_stack_run(struct tern_stack *s);

/** Ask every worker to return from tern_stack_run(). Async-signal-safe. */
void tern_stack_stop(struct tern_stack *s);

/** True once tern_stack_stop() was called. */
int tern_stack_stopping(const struct tern_stack *s);

/**
 * Abort every connection still open, on every worker: each app hears
 * on_closed(TERN_CLOSE_ABORTED) and tcp_conn_aborted counts it; TIME_WAIT
 * state is dropped. No RST is sent (the workers no longer poll). Call after
 * tern_stack_run() returned, before reading final counters; tern_stack_free()
 * does it too. The listeners stay.
 */
void tern_stack_abort_conns(struct tern_stack *s);

/**
 * Stop the device, free every packet still held, the pools and @p s.
 * Call after tern_stack_run() returned (or instead of it). NULL is ignored.
 */
void tern_stack_free(struct tern_stack *s);

/** DPDK memory one worker takes, from the config alone (docs/config.md "Memory"). */
struct tern_mem_need {
	uint64_t mbufs;      /**< [stack] mbufs x (mbuf header + data room for the MTU) */
	uint64_t conns;      /**< [tcp] max_conns x control block */
	uint64_t time_wait;  /**< [tcp] max_time_wait x TIME_WAIT record */
	uint64_t table;      /**< connection table: max_conns + max_time_wait entries */
	uint64_t fixed;      /**< listener array, ARP cache, inbox and steering rings */
	uint64_t total;      /**< the sum */
};

/** Fill @p need for a worker of @p cfg on a link of @p mtu. */
void tern_mem_per_worker(const struct tern_config *cfg, uint16_t mtu,
		struct tern_mem_need *need);

/**
 * DPDK memory a mempool of @p n objects of @p size bytes takes (objects laid
 * out by page as DPDK does, its ring, its header; a cache per lcore when
 * @p cached): what tern_mem_per_worker() sums, for apps to size their own.
 */
uint64_t tern_mem_pool_bytes(uint32_t n, uint32_t size, bool cached);

/** DPDK memory free to allocate now: heap free space, and free hugepages. */
uint64_t tern_mem_available(void);

/**
 * Whether @p nb_workers workers of @p cfg (each also taking
 * @p app_per_worker bytes of the application's, described by @p app_what)
 * fit in tern_mem_available(). tern_stack_create() checks it with no
 * application part; apps check their whole need before creating the stack.
 * @return 0, or -ENOMEM with one line in @p buf naming each part, its
 *         setting and what to change.
 */
int tern_mem_check(const struct tern_config *cfg, uint16_t mtu, unsigned int nb_workers,
		uint64_t app_per_worker, const char *app_what, char *buf, size_t len);

/** Number of workers. */
unsigned int tern_stack_worker_count(const struct tern_stack *s);

/** Worker @p idx, or NULL past the end. */
struct tern_worker *tern_stack_worker(struct tern_stack *s, unsigned int idx);

/** The stack's config (a copy taken at create). */
const struct tern_config *tern_stack_config(const struct tern_stack *s);

/** The device the stack runs on (owned by the stack). */
struct tern_netdev *tern_stack_netdev(struct tern_stack *s);

/**
 * Sum every worker's counters into @p out. Callable from any thread while
 * the workers run: each counter is read atomically, the sum is not a snapshot.
 */
void tern_stack_stats(const struct tern_stack *s, struct tern_stats *out);

/** One worker's own counters (read-only view). */
const struct tern_stats *tern_worker_stats(const struct tern_worker *w);

/** This worker's index, 0 .. tern_stack_worker_count() - 1. */
unsigned int tern_worker_id(const struct tern_worker *w);

/** The config of the stack @p w belongs to. */
const struct tern_config *tern_worker_config(const struct tern_worker *w);

/** What TCP gives every new connection of a worker, as in effect (after the
 * config's values were fitted together: MSS from the MTU, rcvbuf within
 * 64 KiB without window scaling). */
struct tern_tcp_defaults {
	uint32_t sndbuf, rcvbuf;       /**< bytes */
	uint32_t mss;                  /**< ours */
	uint32_t max_conns;
	uint32_t keepalive;            /**< 1: on */
	uint32_t keepidle_s, keepintvl_s, keepcnt;
	uint32_t user_timeout_ms;      /**< 0: none */
};

/** Fill @p d for @p w. */
void tern_worker_tcp_defaults(const struct tern_worker *w, struct tern_tcp_defaults *d);

/** The mbuf pool of this worker (for tern_send_mbuf and tests). */
struct rte_mempool *tern_worker_pool(struct tern_worker *w);

/**
 * Send @p n whole Ethernet frames the application built, as they are, on
 * this worker's queue now: counted in tx_frames and tx_bytes like the
 * stack's own frames; those the driver refuses are freed and counted in
 * tx_drop_full. They go beside the stack's transmit batch, not into it, so
 * a flood never holds back the stack's own segments. For crafted test
 * traffic (tern-loadgen's SYN flood). Consumes them. On the worker's lcore.
 * @return the frames the driver took.
 */
uint16_t tern_worker_send_frames(struct tern_worker *w, struct rte_mbuf **pkts, uint16_t n);

/**
 * One iteration of the worker loop at time @p now_us: drain the inbox,
 * receive one burst and carry it to completion, run due timers, flush the
 * transmit batch. tern_stack_run() calls it with tern_clock_us(); tests and
 * the simulator call it with a virtual clock.
 * @return the number of frames received.
 */
unsigned int tern_worker_poll(struct tern_worker *w, uint64_t now_us);

/**
 * The time of this worker's current iteration, as passed to tern_worker_poll()
 * (the clock is read once per iteration): what callbacks use to stamp events
 * without a clock read of their own.
 */
uint64_t tern_worker_now(const struct tern_worker *w);

/**
 * The earliest time at which this worker has timer work (TCP timers, TIME_WAIT
 * expiry, ARP sweep), or UINT64_MAX. The simulator jumps virtual time to it
 * when nothing is in flight. It may be early (a wheel level cascade), never late.
 */
uint64_t tern_worker_next_event(const struct tern_worker *w);

/** Called once per worker iteration, after the transmit flush. */
typedef void (tern_poll_hook_fn)(struct tern_worker *w, uint64_t now_us, void *arg);

/**
 * Run @p fn on every iteration of @p w (NULL removes it). For applications
 * that originate work on their own schedule (a load generator opening
 * connections at a rate, periodic reports); it runs on the worker's lcore
 * and must return quickly.
 */
void tern_worker_set_poll_hook(struct tern_worker *w, tern_poll_hook_fn *fn, void *arg);

/** Monotonic microseconds from the TSC; one multiply, no division. */
uint64_t tern_clock_us(void);


/* ------------------------------------------------------------------------ */
/* TCP connections                                                          */
/* ------------------------------------------------------------------------ */

struct rte_mbuf;
struct tern_conn;   /**< one TCP connection; opaque, owned by its worker */

/** Why a connection ended, as given to on_closed. */
enum tern_close_reason {
	TERN_CLOSE_NORMAL = 0,   /**< both FINs exchanged and acknowledged */
	TERN_CLOSE_RESET,        /**< the peer sent RST (ECONNRESET; ECONNREFUSED on connect) */
	TERN_CLOSE_TIMEOUT,      /**< retransmissions or keepalives gave up (ETIMEDOUT) */
	TERN_CLOSE_ABORTED,      /**< tern_abort(), or the stack shut down */
	TERN_CLOSE_REFUSED,      /**< active open answered by RST (ECONNREFUSED) */
	TERN_CLOSE_UNREACHABLE,  /**< an ICMP error for it: unreachable in SYN-SENT, or a
	                              timeout after one; tern_conn_info.soft_error
	                              says which (EHOSTUNREACH, ECONNREFUSED...) */
};

/**
 * Callbacks of one connection. They run on the owning worker, inside its
 * poll, and must not block. Any may be NULL. A callback may call any tern_*
 * function on its own connection, including tern_close() and tern_abort().
 *
 * Contracts that matter:
 *  - on_recv: @p m holds in-order payload (possibly a chain); it is the
 *    application's from then on and must be freed by it (rte_pktmbuf_free).
 *  - on_closed is the last call; after it returns @p c is gone and must not
 *    be used. It is called exactly once for every connection that was
 *    accepted or returned by tern_connect().
 */
struct tern_conn_ops {
	/** Active open completed (ESTABLISHED). */
	void (*on_connected)(struct tern_conn *c, void *arg);
	/** In-order data arrived; @p m is the application's now. */
	void (*on_recv)(struct tern_conn *c, struct rte_mbuf *m, void *arg);
	/** @p acked bytes left the send buffer; tern_send_space() grew. */
	void (*on_sent)(struct tern_conn *c, uint32_t acked, void *arg);
	/** The peer sent FIN: no more data will come; we may still send. */
	void (*on_peer_closed)(struct tern_conn *c, void *arg);
	/** The connection is finished; @p reason is an enum tern_close_reason. */
	void (*on_closed)(struct tern_conn *c, int reason, void *arg);
};

/**
 * Called when a passive open completes (ESTABLISHED). Return 0 to accept the
 * connection (set its ops with tern_conn_set_ops() first, or it has none), or
 * non-zero to refuse it: it is reset and freed, and no on_closed follows.
 */
typedef int (tern_accept_fn)(struct tern_conn *c, void *arg);

/**
 * Listen on TCP @p port of this worker's address. Call on every worker that
 * should accept (flows are spread over workers).
 * @return 0, -EADDRINUSE if @p port is already listened on, -EINVAL.
 */
int tern_listen(struct tern_worker *w, uint16_t port, tern_accept_fn *on_accept, void *arg);

/**
 * The receive buffer (tern_conn_set_rcvbuf) of the connections @p port will
 * take, from their SYN-ACK on (a SYN cookie's SYN-ACK too).
 * @return the bound in effect, or -ENOENT (no listener).
 */
int tern_listen_set_rcvbuf(struct tern_worker *w, uint16_t port, uint32_t bytes);

/**
 * The MSS cap (tern_conn_set_mss_cap) of the connections @p port will take,
 * from their SYN-ACK on (a SYN cookie's too). @return 0, -ENOENT (no
 * listener) or -EINVAL.
 */
int tern_listen_set_mss_cap(struct tern_worker *w, uint16_t port, uint32_t mss);

/** Stop listening on @p port; half-open connections are reset. @return 0 or -ENOENT. */
int tern_unlisten(struct tern_worker *w, uint16_t port);

/**
 * Start an active open to @p daddr:@p dport (network byte order address,
 * host order port). on_connected or on_closed follows. The local port is one
 * of [tcp] port_min .. port_max whose 4-tuple this worker owns (the peer's
 * replies hash to its queue: about one port in tern_stack_worker_count()).
 * @return the connection, or NULL with rte_errno set (ENOMEM: no control
 *         block; EADDRNOTAVAIL: no free local port that this worker owns;
 *         EHOSTUNREACH: no route).
 */
struct tern_conn *tern_connect(struct tern_worker *w, uint32_t daddr, uint16_t dport,
		const struct tern_conn_ops *ops, void *arg);

/**
 * tern_connect() from a chosen local address @p saddr (network order), one
 * of [ipv4] address .. address + address_count - 1. With @p saddr 0 (as
 * tern_connect) the local (address, port) pairs are used in turn: every
 * port of the first address, then of the next. @return as tern_connect(),
 * EADDRNOTAVAIL also when @p saddr is not ours.
 */
struct tern_conn *tern_connect_from(struct tern_worker *w, uint32_t saddr, uint32_t daddr,
		uint16_t dport, const struct tern_conn_ops *ops, void *arg);

/**
 * tern_connect() over IPv6 to [@p daddr]:@p dport (16 bytes, network
 * order), from our address for it ([ipv6]: link-local to a link-local
 * peer, else the global address), once Duplicate Address Detection has
 * passed. @return as tern_connect(), with rte_errno also EAFNOSUPPORT (no
 * [ipv6] section) and EADDRNOTAVAIL (no address of ours in use yet).
 */
struct tern_conn *tern_connect6(struct tern_worker *w, const uint8_t daddr[16], uint16_t dport,
		const struct tern_conn_ops *ops, void *arg);

/**
 * Whether @p w has an IPv6 address in use to reach @p daddr from (link-local
 * for a link-local peer, else the [ipv6] address): false without [ipv6] and
 * while Duplicate Address Detection runs (a second from the start).
 */
bool tern_worker_ip6_usable(struct tern_worker *w, const uint8_t daddr[16]);

/** Set the callbacks of @p c (ops must outlive the connection). */
void tern_conn_set_ops(struct tern_conn *c, const struct tern_conn_ops *ops, void *arg);

/**
 * Copy up to @p len bytes of @p buf into the send buffer.
 * @return bytes queued (0 .. len; less when the buffer is full, or the
 *         worker's send queues hold their share of its mbufs (the rest is
 *         kept for receive): wait for on_sent), or -ENOTCONN (not yet or no
 *         longer sending), -EPIPE (after tern_shutdown/tern_close), -ENOBUFS
 *         (no mbufs).
 */
int tern_send(struct tern_conn *c, const void *buf, size_t len);

/**
 * Queue the payload of @p m (possibly a chain) without copying it into the
 * send buffer. Consumes @p m on every path, also on error.
 * @return bytes queued (all of @p m), or -ENOTCONN / -EPIPE / -EMSGSIZE.
 */
int tern_send_mbuf(struct tern_conn *c, struct rte_mbuf *m);

/**
 * Queue up to @p len bytes at @p data by reference, never copied: segments
 * carry them straight from there where the port takes chained frames, else
 * they are copied into each segment. For content that outlives the stack
 * (a page, a file read at start): the bytes must lie in DPDK memory
 * (rte_malloc, a memzone: a NIC may read them by DMA) and stay valid and
 * unchanged until tern_stack_free().
 * @return bytes queued (0 .. len, as tern_send), or -ENOTCONN / -EPIPE,
 *         -EINVAL (not DPDK memory, or memory without IO addresses), -ENOBUFS.
 */
int tern_send_static(struct tern_conn *c, const void *data, size_t len);

/** Bytes tern_send() would accept now. */
uint32_t tern_send_space(const struct tern_conn *c);

/**
 * Receive flow control. By default data handed to on_recv leaves the window
 * at once. After tern_recv_hold(c, 1), every byte handed to on_recv stays
 * counted against the receive window until the application returns it with
 * tern_recved(); a slow consumer so closes the window and the peer waits.
 */
void tern_recv_hold(struct tern_conn *c, int on);

/** Give @p bytes of received data back to the window (see tern_recv_hold). */
void tern_recved(struct tern_conn *c, uint32_t bytes);

/**
 * Bound the receive window of @p c to @p bytes less what is held
 * (tern_recv_hold) and out of order, from the next segment on; the offered
 * window never shrinks (RFC 9293 §3.8.6), it stops growing. Clamped to
 * [tcp] mss .. [tcp] rcvbuf (the window shift offered in the SYN comes from
 * [tcp] rcvbuf). @return the bound in effect.
 */
uint32_t tern_conn_set_rcvbuf(struct tern_conn *c, uint32_t bytes);

/**
 * Cap the MSS of @p c at @p mss bytes (the socket option TCP_MAXSEG; 0: no
 * cap), TERN_MSS_CAP_MIN .. TERN_MSS_CAP_MAX: a SYN or SYN-ACK sent from now
 * on announces at most @p mss, and the send MSS the handshake settles (RFC
 * 9293 §3.7.1) is at most it. Call as tern_connect() returns, before the
 * peer's SYN-ACK. @return 0, or -EINVAL (@p mss out of range), -EISCONN
 * (the send MSS is settled: the peer's SYN or SYN-ACK has come).
 */
int tern_conn_set_mss_cap(struct tern_conn *c, uint32_t mss);

/** The bounds of an MSS cap: Linux's for TCP_MAXSEG (TCP_MIN_MSS, MAX_TCP_WINDOW). */
#define TERN_MSS_CAP_MIN 88
#define TERN_MSS_CAP_MAX 32767

/**
 * Keepalive of @p c (RFC 9293 §3.8.4), over [tcp] keepalive and its
 * timing: @p on 1 probes after @p idle_s seconds without a segment, every
 * @p intvl_s seconds, and ends the connection (TERN_CLOSE_TIMEOUT) after
 * @p cnt unanswered probes; 0 stops probing.
 * @return 0, or -EINVAL (a value 0, @p cnt above 255, a time above 32767 s).
 */
int tern_conn_set_keepalive(struct tern_conn *c, int on, uint32_t idle_s, uint32_t intvl_s,
		uint32_t cnt);

/**
 * User timeout of @p c (RFC 9293 §3.10.8, RFC 5482 §3; Linux's
 * TCP_USER_TIMEOUT), over [tcp] user_timeout_ms: once data it sent (or its
 * SYN) has stayed unacknowledged, or the peer's window has stayed shut, for
 * @p ms milliseconds, the connection ends with TERN_CLOSE_TIMEOUT
 * (ETIMEDOUT), counted from its last progress (an ACK of new data, the
 * window opening, data sent with none outstanding) and after at least one
 * retransmission or window probe; those timers are brought forward to that
 * moment. Set on a live connection, it counts from the call; a change
 * applies from the next timer armed. 0 turns it off; the retransmission
 * count ([tcp] retries) applies either way.
 * @return 0, or -EINVAL above TERN_USER_TIMEOUT_MS_MAX.
 */
int tern_conn_set_user_timeout(struct tern_conn *c, uint32_t ms);

/** Longest time a cork holds a short segment back (Linux's TCP_CORK ceiling). */
#define TERN_CORK_MAX_MS 200

/**
 * Cork @p c (Linux's TCP_CORK): while @p on, a new segment shorter than the
 * MSS that would empty the send queue waits for more data, for the cork to
 * come off, or for TERN_CORK_MAX_MS from when it began to wait. Whole
 * segments, resends and a FIN leave as always. Off sends what waited at once,
 * unless tern_conn_set_more() still holds it.
 * Off is the default: Tern sends every segment at once (it has no Nagle
 * algorithm), so a cork is how an application coalesces small writes.
 */
void tern_conn_set_cork(struct tern_conn *c, bool on);

/**
 * Whether the data @p c sends next has more to follow (Linux's MSG_MORE):
 * held as a cork holds it, and its last segment carries no PSH (RFC 9293
 * §3.9.1.2: more is on its way). False again for the write that completes
 * it, which sends all that waits (unless a cork still holds it).
 */
void tern_conn_set_more(struct tern_conn *c, bool more);

/**
 * Send what a cork or tern_conn_set_more() holds back on @p c now, leaving
 * both as they are (setting TCP_NODELAY does this on Linux).
 */
void tern_conn_push(struct tern_conn *c);

/** Send FIN after the queued data; keep receiving (half-close). @return 0 or -ENOTCONN. */
int tern_shutdown(struct tern_conn *c);

/**
 * Close gracefully: FIN after the queued data. Data that still arrives is
 * acknowledged and dropped. on_closed follows when the close completes.
 * @return 0 or -ENOTCONN (already closing).
 */
int tern_close(struct tern_conn *c);

/**
 * Close @p c gracefully, as tern_close(), once no segment has arrived on it
 * for @p us microseconds (the stack's timing wheel keeps the time; nothing
 * is polled). 0 turns the timeout off.
 */
void tern_conn_set_idle_timeout(struct tern_conn *c, uint64_t us);

/** Reset the connection now (RST); on_closed(TERN_CLOSE_ABORTED) follows at once. */
void tern_abort(struct tern_conn *c);

/** The worker that owns @p c. */
struct tern_worker *tern_conn_worker(const struct tern_conn *c);

/** Connection facts for tests and diagnostics. */
struct tern_conn_info {
	uint32_t laddr, raddr;         /**< IPv4 (family 4), network byte order */
	uint16_t lport, rport;         /**< host byte order */
	uint8_t state;                 /**< RFC 9293 state, enum tern_tcp_state */
	uint8_t snd_wscale, rcv_wscale;/**< window shifts in effect (0 if none) */
	uint8_t ts_on, sack_on;        /**< timestamps / SACK negotiated */
	uint16_t mss;                  /**< send MSS */
	uint32_t snd_una, snd_nxt, snd_wnd, rcv_nxt, rcv_wnd;
	uint32_t cwnd, ssthresh, srtt_us, rto_us;
	uint32_t retransmits;          /**< segments retransmitted */
	uint32_t rttvar_us;            /**< RFC 6298 RTTVAR */
	uint32_t segs_in, segs_out;    /**< segments received on it, sent on it (resends too) */
	uint64_t bytes_acked;          /**< payload bytes the peer acknowledged (mod 2^48) */
	uint64_t bytes_received;       /**< payload bytes received in order (mod 2^48) */
	uint32_t snd_queued;           /**< bytes in the send queue from SND.UNA */
	uint32_t age_ms;               /**< since the connection's first segment (about ms) */
	const char *cc;                /**< congestion control: "newreno", "cubic" */
	uint16_t soft_error;           /**< errno of the last ICMP error for it (RFC 1122
	                                    4.2.3.9 soft error: EHOSTUNREACH, ENETUNREACH,
	                                    ECONNREFUSED...), 0 = none */
	uint8_t family;                /**< 4: laddr, raddr; 6: laddr6, raddr6 (laddr, raddr 0) */
	uint8_t laddr6[16], raddr6[16];/**< IPv6 addresses, network byte order */
	uint16_t adv_mss;              /**< MSS our SYN or SYN-ACK announces, capped by any
	                                    tern_conn_set_mss_cap */
};

/** RFC 9293 §3.3.2 states, for tern_conn_info.state. */
enum tern_tcp_state {
	TERN_TCP_CLOSED = 0, TERN_TCP_LISTEN, TERN_TCP_SYN_SENT, TERN_TCP_SYN_RECEIVED,
	TERN_TCP_ESTABLISHED, TERN_TCP_FIN_WAIT_1, TERN_TCP_FIN_WAIT_2, TERN_TCP_CLOSE_WAIT,
	TERN_TCP_CLOSING, TERN_TCP_LAST_ACK, TERN_TCP_TIME_WAIT,
};

/** Fill @p info for @p c. */
void tern_conn_get_info(const struct tern_conn *c, struct tern_conn_info *info);

/** Name of a state ("ESTABLISHED"...). */
const char *tern_tcp_state_name(int state);

/** Connections of this worker by state (index enum tern_tcp_state; TIME_WAIT included). */
void tern_worker_conn_counts(const struct tern_worker *w, uint32_t counts[TERN_TCP_TIME_WAIT + 1]);

/**
 * A page of this worker's connections (not TIME_WAIT records: those are
 * only counted), from position @p *cursor (0: the first). On return
 * @p *cursor is where the next page starts, or UINT32_MAX after the last;
 * a page may hold fewer than @p max rows before the end (it looks at 1024
 * table entries at most, so a table of TIME_WAIT records costs little).
 * Positions are slots of the connection table: a page taken while
 * connections come and go may miss or repeat one, as ss reading /proc does.
 * Call on the worker's lcore (tests, poll hooks); from another thread use
 * the telemetry command /tern/conns, which asks the worker (docs/design.md).
 * @return rows written (0 .. @p max).
 */
unsigned int tern_worker_conn_list(struct tern_worker *w, uint32_t *cursor,
		struct tern_conn_info *rows, unsigned int max);

/** A listening port of one worker. */
struct tern_listener_info {
	uint16_t port;                 /**< host order */
	uint32_t syn_queue;            /**< half-open connections now */
	uint32_t syn_backlog;          /**< their limit ([tcp] syn_backlog) */
	uint64_t accepted;             /**< connections accepted so far */
};

/**
 * Up to @p max of this worker's listeners, by port. Call on the worker's
 * lcore. @return how many were written.
 */
unsigned int tern_worker_listeners(struct tern_worker *w, struct tern_listener_info *rows,
		unsigned int max);

#ifdef __cplusplus
}
#endif

#endif /* TERN_H */
