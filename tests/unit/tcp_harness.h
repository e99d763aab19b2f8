/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TCP_HARNESS_H
#define TCP_HARNESS_H

/*
 * A TCP peer played by a test, against a one-worker tern stack over the
 * recording sim netdev (drivers/sim) with a virtual clock.
 *
 * The peer is 10.77.0.1 (MAC 02:00:00:00:00:01) port h->pport; tern is
 * 10.77.0.2 port h->lport. th_up() boots the stack and pre-resolves the peer
 * by injecting an ARP request from it, so tern never has to ask; ARP frames
 * tern sends later are discarded by the readers.
 *
 * Writing: th_inject() builds a whole Ethernet/IPv4/TCP frame (checksums
 * computed by net_frames.c's nf_cksum, independent of lib/net) and puts it
 * on the device's receive side; th_build() only writes it, so a test can
 * break a field first. Nothing is processed before the next poll.
 *
 * Time: th_up() starts the virtual clock at a whole second no earlier than
 * tern_clock_us(), because tern_stack_create() starts the timer wheels
 * there; th_advance() moves it and polls once. Tests step to exactly the
 * microsecond a timer is due (timers fire at whole milliseconds).
 *
 * Reading: TH_EXPECT() takes the next TCP frame tern sent, checks its
 * Ethernet/IP headers, both checksums and the ports, and asserts flags, seq,
 * ack, window and payload length (TH_ANY skips one); it returns the parsed
 * segment (options included). TH_EXPECT_NONE() asserts nothing was sent.
 *
 * Callbacks: every connection gets the harness's ops, which record each
 * callback (in order, in h->log), copy received bytes to h->rx and free the
 * mbuf, and check that no callback comes after on_closed and on_closed comes
 * once. Hooks let a test act inside a callback.
 *
 * Teardown (th_down): aborts what is still open, checks that every accepted
 * or connected connection got exactly one on_closed, that the worker's mbuf
 * pool is back to its size before tern_stack_free, and that the test pool
 * (unit_pool) is back to its start count after.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_tcp.h>

#include "net_frames.h"
#include "tern.h"
#include "tern_sim.h"
#include "unit_common.h"

#define TH_PEER_IP    NF_IP(10, 77, 0, 1)
#define TH_PEER_MAC   NF_MAC(0x01)
/* IPv6 runs (TERN_TEST_FAMILY=6): the peer 2001:db8::1, tern 2001:db8::2/64 */
extern const uint8_t th_peer_ip6[16], th_our_ip6[16];
#define TH_LPORT      8080        /**< tern's listening port */
#define TH_PPORT      40000       /**< the peer's port */
#define TH_PWND       65535       /**< window the peer advertises by default */
#define TH_ANY        INT64_MIN   /**< TH_EXPECT: do not check this field */
#define TH_RX_MAX     (256 * 1024)
#define TH_RECS       64

/* TCP flags (RFC 9293 §3.1) */
#define T_FIN RTE_TCP_FIN_FLAG
#define T_SYN RTE_TCP_SYN_FLAG
#define T_RST RTE_TCP_RST_FLAG
#define T_PSH RTE_TCP_PSH_FLAG
#define T_ACK RTE_TCP_ACK_FLAG

/** Options of an injected segment; zero-initialised = none. */
struct th_opts {
	uint16_t mss;                   /**< MSS option; 0: none */
	uint8_t has_ws, ws;             /**< window scale */
	uint8_t sack_ok;                /**< SACK-permitted */
	uint8_t has_ts;                 /**< timestamps */
	uint32_t tsval, tsecr;
	uint8_t nsack;                  /**< SACK blocks (RFC 2018) */
	uint32_t sack[4][2];
	const uint8_t *raw;             /**< exact option bytes instead of all the above */
	uint8_t raw_len;                /**< padded with zeros (EOL) to a multiple of 4 */
};

/** A segment tern sent, parsed. */
struct th_seg {
	uint16_t ip_frag;               /**< IPv4 flags and fragment offset (host order) */
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;                   /**< window field as sent (unscaled) */
	uint8_t doff;                   /**< header bytes */
	/* options */
	uint8_t optlen;
	uint8_t opts[40];
	bool has_mss, has_ws, sack_ok, has_ts;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	unsigned int nsack;
	uint32_t sack[4][2];
	unsigned int nopt_kinds;        /**< option kinds seen other than NOP/EOL */
	/* payload */
	uint32_t len;
	uint8_t data[NF_FRAME_MAX];
};

/** One connection the app knows of (accepted or returned by tern_connect). */
struct th_rec {
	struct tern_conn *c;
	unsigned int connected, peer_closed, closed;
	int reason;
	uint64_t sent;                  /**< on_sent bytes */
};

struct th;
typedef void (th_recv_hook_fn)(struct th *h, struct tern_conn *c, const uint8_t *data,
		uint32_t len);
typedef void (th_conn_hook_fn)(struct th *h, struct tern_conn *c);

struct th {
	struct nf_stack ns;             /**< the stack, device, clock (net_frames.h) */
	bool ip6;                       /**< the peer speaks IPv6 (TERN_TEST_FAMILY=6, th_init) */
	uint16_t lport, pport;          /**< tern's port, the peer's port (host order) */
	struct tern_conn *c;            /**< the newest connection */
	/* peer-side view of the newest connection */
	uint32_t iss;                   /**< tern's ISS */
	uint32_t irs;                   /**< the peer's ISS */
	bool peer_ts;                   /**< add timestamps to injections without options */
	uint32_t peer_tsval;            /**< TSval the peer sends */
	uint32_t tern_tsval;            /**< last TSval seen from tern (echoed) */
	/* app behaviour */
	int accept_ret;                 /**< what on_accept returns */
	th_recv_hook_fn *recv_hook;     /**< called from on_recv after recording */
	th_conn_hook_fn *peer_closed_hook;
	th_conn_hook_fn *accept_hook;
	/* recorded */
	unsigned int n_accept, n_refused, n_connected, n_recv, n_peer_closed, n_closed;
	int last_reason;
	uint64_t sent_bytes;
	char log[512];                  /**< callbacks in order: A C R S P X */
	size_t log_len;
	uint8_t rx[TH_RX_MAX];          /**< bytes given to on_recv, in order */
	size_t rx_len;
	struct th_rec recs[TH_RECS];
	unsigned int n_recs;
	struct th_seg last;             /**< what TH_EXPECT returned */
};

/** Bytes of the IP header in the peer's and tern's frames (20, or 40 over IPv6). */
static inline uint32_t
th_ip_hlen(const struct th *h)
{
	return h->ip6 ? 40 : 20;
}

/* --- lifecycle --- */

/**
 * Start EAL (once), clear @p h and fill h->ns.cfg: net_frames defaults plus
 * small tables (64 connections, 64 TIME_WAIT), 2 s TIME_WAIT, delayed ACK 40
 * ms, 3 SYN retries, 4 retries. A test changes h->ns.cfg before th_up().
 */
void th_init(struct th *h, const char *eal_prefix);
/** After th_init, before th_up: the peer speaks IPv6 (as TERN_TEST_FAMILY=6);
 * h->ip6 may be cleared later for a segment from the peer over IPv4. */
void th_use_ip6(struct th *h);

/** Create and boot the stack, pre-resolve the peer, listen on TH_LPORT. */
void th_up(struct th *h);

/** Teardown checks (see the file comment). Safe if th_up() never ran. */
void th_down(struct th *h);

/* --- time --- */

/** Poll at the current virtual time. */
void th_poll(struct th *h);
/** Advance the clock by @p us and poll once. */
void th_advance(struct th *h, uint64_t us);
#define th_advance_ms(h, ms) th_advance((h), (uint64_t)(ms) * 1000)

/* --- the peer's segments --- */

/** Byte at peer/tern sequence number @p seq in the test's data pattern. */
static inline uint8_t
th_byte(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

/** Fill @p buf with th_byte(seq), th_byte(seq+1)... */
void th_fill(uint8_t *buf, uint32_t seq, uint32_t len);

/**
 * Write a whole frame from the peer into @p buf (NF_FRAME_MAX bytes).
 * @p opts NULL: none, or timestamps when h->peer_ts. @return its length.
 */
size_t th_build(struct th *h, uint8_t *buf, uint8_t flags, uint32_t seq, uint32_t ack,
		uint16_t wnd, const void *payload, uint32_t len, const struct th_opts *opts);

/** Recompute the TCP checksum of a frame from th_build() after edits. */
void th_recksum(uint8_t *frame, size_t len);

/** th_build() and inject. */
void th_inject(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
		const void *payload, uint32_t len, const struct th_opts *opts);

/** Inject @p len bytes of the data pattern at @p seq, ACK @p ack, window TH_PWND. */
void th_inject_data(struct th *h, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len);

/* --- tern's segments --- */

/** Take the next TCP frame tern sent (ARP frames are dropped). @return false if none. */
bool th_next(struct th *h, struct th_seg *s);

const struct th_seg *th_expect_at(struct th *h, const char *file, int line, int64_t flags,
		int64_t seq, int64_t ack, int64_t wnd, int64_t len);
void th_expect_none_at(struct th *h, const char *file, int line);

/** Assert the next segment; each of flags/seq/ack/wnd/len may be TH_ANY. */
#define TH_EXPECT(h, flags, seq, ack, wnd, len) \
	th_expect_at((h), __FILE__, __LINE__, (flags), (seq), (ack), (wnd), (len))
/** Assert tern sent no TCP segment. */
#define TH_EXPECT_NONE(h) th_expect_none_at((h), __FILE__, __LINE__)

/** Number of TCP frames waiting (ARP dropped first). */
unsigned int th_pending(struct th *h);

/** Check @p s carries the data pattern of @p seq over its payload. */
void th_check_payload(const struct th_seg *s, uint32_t seq);

/** Check h->rx[off..off+len) holds the data pattern starting at @p seq. */
void th_check_rx(const struct th *h, size_t off, uint32_t seq, uint32_t len);

/* --- connections --- */

/**
 * Passive open from peer ISS @p peer_iss with @p syn_opts (NULL: MSS 1460
 * only): SYN, check tern's SYN-ACK, ACK it (with timestamps if both offered),
 * check nothing more is sent and on_accept ran. Sets h->c, h->iss, h->irs.
 * @return tern's ISS.
 */
uint32_t th_open_passive(struct th *h, uint32_t peer_iss, const struct th_opts *syn_opts);

/**
 * Active open: tern_connect to the peer, check the SYN, answer SYN-ACK with
 * ISS @p peer_iss and @p opts (NULL: MSS 1460 only), check tern's ACK and
 * on_connected. @return tern's ISS.
 */
uint32_t th_open_active(struct th *h, uint32_t peer_iss, const struct th_opts *opts);

/** tern_connect to the peer with the harness ops; asserts success. */
struct tern_conn *th_connect(struct th *h);

/** Connection state of @p c. */
int th_state(struct tern_conn *c);

/** tern_worker_conn_counts()[state]. */
uint32_t th_count(struct th *h, int state);

/** Connections in any state (TIME_WAIT included). */
uint32_t th_count_all(struct th *h);

/** The newest record of @p c (records outlive their connection). */
struct th_rec *th_rec_of(struct th *h, struct tern_conn *c);

/** The worker's counters. */
const struct tern_stats *th_stats(struct th *h);

/** tern_conn_get_info() of @p c, by value. */
struct tern_conn_info th_info(struct tern_conn *c);

/** The ops the harness gives every connection. */
extern const struct tern_conn_ops th_ops;

#endif
