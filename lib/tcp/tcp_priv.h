/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_TCP_PRIV_H
#define TERN_TCP_PRIV_H

/*
 * lib/tcp: the TCP engine of one worker (RFC 9293).
 *
 *   tcp_input.c   header and option checks, lookup, per-state processing
 *   tcp_output.c  segment building, the send queue, RST and ACK replies
 *   tcp_timer.c   the connection's wheel node: retransmit, persist, keepalive,
 *                 delayed ACK, FIN_WAIT_2; TIME_WAIT records' expiry
 *   tcp_conn.c    control blocks, listeners, the connection table, the API
 *   tcp_reass.c   out-of-order queue and SACK blocks
 *   tcp_sack.c    the sender's SACK scoreboard (RFC 2018, RFC 6675)
 *   tcp_cc.c      congestion control (NewReno, CUBIC) and loss recovery
 *   tcp_opt.c     option parsing and building
 *   tcp_isn.c     RFC 6528 initial sequence numbers, timestamp offsets
 *   tcp_syncookie.c SYN cookies (RFC 4987): encoding, checking, rebuilding
 *   tcp_icmp.c    ICMP errors about our segments: path MTU, soft errors
 *
 * Deferred work is a flag on the control block (TF_ACKNOW, TF_DELACK...) and
 * the control block is put on the worker's output list; tcp_output_pass()
 * runs once after each burst and after the timers, so a burst of segments on
 * one connection yields one ACK, piggybacked on the answer if the application
 * wrote one inside its callback.
 *
 * A control block that ends (RST, timeout, abort, close) leaves the
 * connection table at once, gets on_closed, and is freed at the end of the
 * iteration (tcp_reap), so no caller up the stack holds a dangling pointer.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net_mbufq.h"
#include "net_priv.h"
#include "tern_objpool.h"
#include "tcp_seq.h"
#include "tern_assert.h"
#include "tern.h"
#include "tern_wheel.h"

struct rte_hash;

/* TCP's log lines; never written by a worker (core's monitor thread writes
 * the operator's events, lib/core/monitor.c) */
extern int tern_logtype_tcp;
#define TCP_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, tern_logtype_tcp, "tern.tcp: " fmt "\n", ##__VA_ARGS__)

/* TCP header flags (RFC 9293 §3.1) */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

#define TCP_HDR_MIN      20
#define TCP_OPT_MAX      40
/* the filter of keys a burst changed: 256 bits, few false hits for the
 * two or three changes each of a burst's connections may make */
#define TCP_TABLE_CHANGED_WORDS 4
#define TCP_TX_BY_REF_MIN 512     /**< payload bytes from which a segment goes by reference */
#define TCP_MSS_DEFAULT  536      /**< RFC 9293 §3.7.1 MUST-15: no MSS option */
#define TCP_MSS_MIN      64       /**< floor of a peer's MSS (MSS 1 would send bytes one by one) */
#define TCP_WSCALE_MAX   14       /**< RFC 7323 §2.3 */
#define TCP_SACK_MAX_BLOCKS 4
#define TCP_REASS_MIN_SEGS 128    /**< out-of-order segments held at least (see reass_max) */
#define TCP_RTO_INITIAL_US 1000000u  /**< RFC 6298 (2.1) */
#define TCP_IW_SEGS      10       /**< RFC 6928 initial window */
#define TCP_PERSIST_MIN_US 500000u
#define TCP_TLP_MIN_US     10000u   /**< loss probe timeout floor */
#define TCP_TLP_WC_DELACK_US 200000u /**< RFC 8985 §7.2 WCDelAckT */
/* a TIME_WAIT pair our connect may take over: the peer quiet this long */
#define TCP_TW_RECONNECT_US 1000000u
#define TCP_TS_SHIFT     10       /**< TS clock: µs >> 10, about 1 ms */
#define TCP_SACK_SB_MAX  8        /**< scoreboard ranges kept by the sender */
#define TCP_COOKIE_SLOT_SHIFT 26  /**< SYN cookie time slots: 2^26 µs, about 67 s */
#define TCP_COOKIE_ROTATE_SLOTS 64 /**< a fresh cookie secret every 64 slots (about 71 min) */
#define TCP_KEEP_S_MAX   32767    /**< keepalive idle and interval, seconds (as Linux) */
#define TCP_PMTU_ABSURD  68       /**< below RFC 791's minimum MTU: a forged or broken error */
#define TCP_PMTU_MIN     552      /**< path MTU floor (a forged error's MSS stays >= 512) */
#define TCP_NOMBUF_RETRY_US 1000u /**< output retry after an mbuf shortage (TF_NOMBUF) */

/** Connection table key, all fields in network byte order (12 bytes, 4-aligned). */
struct tcp_key {
	rte_be32_t raddr;
	rte_be32_t laddr;
	rte_be16_t rport;
	rte_be16_t lport;
};

/**
 * An IPv6 connection's key (RFC 8200 addresses). Its last 12 bytes are an
 * ordinary struct tcp_key with laddr 0, which no IPv4 key has (none of our
 * IPv4 addresses is 0.0.0.0), and raddr the remote address's last 4 bytes:
 * every function that takes a key takes that part, and one that needs the
 * full addresses finds them in front of it (tcp_key6_of). So a control block
 * or TIME_WAIT record of an IPv6 connection has them in the TCP_KEY6_ROOM
 * bytes before it in its pool element (IPv6 configured), and the IPv6 table
 * is keyed by all 44 bytes.
 */
struct tcp_key6 {
	uint8_t raddr[16];
	uint8_t laddr[16];
	struct tcp_key k;
};
/** Bytes before a control block or TIME_WAIT record (a cache line, so the
 * control block's own lines stay aligned); the addresses end there. */
#define TCP_KEY6_ROOM 64
#define TCP_IP6_EXTRA 20        /**< an IPv6 header's bytes beyond an IPv4 one's */

static inline bool
tcp_key_is_ip6(const struct tcp_key *key)
{
	return key->laddr == 0;
}

/** The whole key of an IPv6 connection (tcp_key_is_ip6). */
static inline const struct tcp_key6 *
tcp_key6_of(const struct tcp_key *key)
{
	return (const struct tcp_key6 *)((const uint8_t *)key - offsetof(struct tcp_key6, k));
}

/** Bytes of the IP header in front of a segment on @p key. */
static inline uint32_t
tcp_ip_hlen(const struct tcp_key *key)
{
	return unlikely(tcp_key_is_ip6(key)) ? sizeof(struct rte_ipv6_hdr) :
		sizeof(struct rte_ipv4_hdr);
}

enum tcp_timer_id {
	TT_REXMT, TT_PERSIST, TT_KEEP, TT_DELACK,
	/* one slot, two deadlines that never meet (struct tcp_cb is full): in
	 * FIN_WAIT_2 its limit, in every other state a cork's ceiling (data
	 * is sent before our FIN, the only way to FIN_WAIT_2) */
	TT_FIN_WAIT_2, TT_CORK = TT_FIN_WAIT_2,
	TT_IDLE, TT_N
};

/* control block flags: deferred work and negotiated features */
#define TF_ACKNOW      (1u << 0)  /**< send an ACK in the output pass */
#define TF_DELACK      (1u << 1)  /**< an ACK is owed; the output pass arms the delack timer */
#define TF_OUTQ        (1u << 2)  /**< on the worker's output list */
#define TF_TS          (1u << 3)  /**< RFC 7323 timestamps in use */
#define TF_SACK        (1u << 4)  /**< RFC 2018 SACK permitted both ways */
#define TF_WSCALE      (1u << 5)  /**< RFC 7323 window scaling in use */
#define TF_FIN_QUEUED  (1u << 6)  /**< the app asked for a FIN after the data */
#define TF_FIN_SENT    (1u << 7)  /**< our FIN has been sent (snd_max covers it) */
#define TF_APP_CLOSED  (1u << 8)  /**< tern_close(): incoming data is dropped */
#define TF_PASSIVE     (1u << 9)  /**< came from a listener */
#define TF_APP_KNOWS   (1u << 10) /**< accepted or returned by tern_connect: on_closed owed */
#define TF_DEAD        (1u << 11) /**< closed; freed at the end of the iteration */
#define TF_RCVD_FIN    (1u << 12) /**< the peer's FIN is in rcv_nxt */
#define TF_KEEPALIVE   (1u << 13) /**< keepalive probes when idle (RFC 9293 §3.8.4) */
#define TF_RECOVERY    (1u << 14) /**< in fast recovery (RFC 6582) */
#define TF_RTT_TIMING  (1u << 15) /**< rtt_seq is being timed (no timestamps) */
#define TF_SYN_SENT    (1u << 16) /**< our SYN has been sent at least once */
#define TF_RCV_HOLD    (1u << 17) /**< delivered bytes count against the window */
#define TF_COOKIE      (1u << 18) /**< rebuilt from a SYN cookie: its TSecr is no clock */
#define TF_TLP_ARMED   (1u << 19) /**< the REXMT slot holds a probe timeout (RFC 8985 §7) */
#define TF_TLP_OUT     (1u << 20) /**< a loss probe is outstanding, up to tlp_high_seq */
#define TF_TLP_RXT     (1u << 21) /**< that probe resent data (not new data) */
#define TF_NOMBUF      (1u << 22) /**< a segment found no mbuf: the timer node retries output */
#define TF_USER_TIMEOUT (1u << 23) /**< user_timeout_ms is set (tcp_timer.c) */
#define TF_CORK        (1u << 24) /**< tern_conn_set_cork(): a short last segment waits */
#define TF_NO_DF       (1u << 25) /**< path MTU below TCP_PMTU_MIN: segments go without DF */
#define TF_MORE        (1u << 26) /**< tern_conn_set_more(): held as TF_CORK, and no PSH */
#define TF_PUSH        (1u << 27) /**< this output pass sends what TF_CORK or TF_MORE hold */

struct tcp_cb;

/** A congestion control algorithm (tcp_cc.c). */
struct tcp_cc_ops {
	const char *name;
	void (*init)(struct tcp_cb *tp);                      /**< reset its state */
	void (*cong_avoid)(struct tcp_cb *tp, uint32_t acked); /**< growth above ssthresh */
	uint32_t (*ssthresh)(struct tcp_cb *tp);              /**< after a loss */
};
extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/** CUBIC state (RFC 9438), in segments and seconds; computed in double,
 * kept in float (24 bits of mantissa are plenty here; the control block
 * stays within 512 bytes). */
struct tcp_cubic {
	float w_max, w_last_max, k, w_est;
	uint64_t epoch_us;             /**< start of the epoch; 0 = none */
};

/**
 * One TCP connection: the transmission control block (RFC 9293 §3.3.1).
 * Laid out by use: the fields an established connection's segments read or
 * write in input and output fill the first lines (offsets in the comments,
 * cache lines of 64 bytes), what only handshakes, recovery, CUBIC and the
 * rarer timers need comes after, so a segment touches 5-6 lines, not 8.
 */
struct tcp_cb {
	/* line 0: identity, state, sequence space (RFC 9293 §3.3.1 names) */
	struct tcp_key key;            /**< our 4-tuple (table key) */
	uint8_t state;                 /**< enum tern_tcp_state */
	uint8_t snd_wscale;            /**< peer's window shift, applied to SEG.WND */
	uint8_t rcv_wscale;            /**< our window shift */
	uint8_t dupacks;               /**< consecutive duplicate ACKs */
	uint32_t flags;                /**< TF_* */
	uint32_t snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t rcv_nxt, rcv_wnd, rcv_adv;
	uint16_t seg_max;              /**< payload bytes per segment (MSS less options) */
	uint16_t segs_unacked;         /**< full segments received since our last ACK */
	uint32_t ts_recent;            /**< TS.Recent (RFC 7323) */
	/* line 1 (64): the send queue, the owner */
	struct tern_mbufq sndq;        /**< unacknowledged + unsent data; the head holds snd_una */
	uint32_t sndq_bytes;           /**< bytes in sndq from snd_una */
	uint32_t snd_head_off;         /**< acknowledged bytes still at the head's front */
	struct rte_mbuf *snd_cur;      /**< sndq element the last segment was read from */
	uint32_t snd_cur_seq;          /**< sequence number of its first byte */
	uint32_t ts_offset;            /**< our TSval = clock + offset */
	struct tcp_worker *tw;         /**< owner */
	uint32_t rcv_held;             /**< delivered, not yet tern_recved() (TF_RCV_HOLD) */
	uint32_t reass_bytes;
	/* line 2 (128): reassembly, congestion (RFC 5681, RFC 6582) */
	struct tern_mbufq reass;       /**< out-of-order segments, by seq */
	uint32_t cwnd, ssthresh, bytes_acked, recover;
	const struct tcp_cc_ops *cc;
	uint32_t max_sndwnd;           /**< largest window the peer offered */
	uint32_t ts_rexmt;             /**< TSval of the last RTO resend; 0 = none */
	uint8_t rexmt_shift;           /**< RTO backoff count */
	uint8_t soft_error;            /**< errno of the last ICMP soft error, 0 = none */
	uint8_t keep_probes;           /**< unanswered keepalive probes */
	uint8_t persist_shift;
	uint8_t nsb;                   /**< SACK scoreboard ranges in use */
	uint8_t keepcnt;               /**< unanswered probes before ETIMEDOUT (TF_KEEPALIVE) */
	uint16_t rcv_wraps;            /**< times RCV.NXT - IRS wrapped (a hole filled) */
	/* line 3 (192): RTT and RTO (RFC 6298), activity, the application */
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t segs_in;              /**< segments received on it (tern_conn_info) */
	uint32_t segs_out;             /**< segments sent on it, retransmissions included */
	uint32_t rcvbuf;               /**< receive buffer: the window's bound (tern_conn_set_rcvbuf) */
	uint64_t last_send_us;         /**< for restart after idle */
	uint64_t last_rcv_us;          /**< for keepalive and the idle timeout */
	uint32_t ts_recent_age;        /**< when ts_recent was set, tcp_paws_clock (24-day rule) */
	uint16_t mss_cap;              /**< MSS the application set, 0 = none (tcp_mss_ours) */
	const struct tern_conn_ops *ops;
	void *ops_arg;
	/* lines 4-5 (256): timers, the output list */
	struct tern_wheel_node tmo;    /**< armed at min(deadline[]) */
	TAILQ_ENTRY(tcp_cb) out_link;  /**< output list or reap list */
	uint64_t deadline[TT_N];       /**< absolute µs; UINT64_MAX: off */
	/* cold: handshake, recovery, CUBIC, idle timeout */
	uint32_t iss, irs;
	uint16_t peer_mss;             /**< MSS the peer announced */
	uint16_t snd_wraps;            /**< times SND.UNA - ISS wrapped (a hole filled) */
	uint32_t rexmt_nxt;            /**< recovery: next sequence to consider resending */
	uint32_t lt_extra;             /**< RFC 3042 limited transmit allowance */
	uint32_t tlp_high_seq;         /**< SND.MAX when the loss probe went out */
	uint32_t last_ooo_seq;         /**< start of the newest out-of-order segment (SACK) */
	uint32_t retransmits;          /**< total, for info */
	struct { uint32_t l, r; } sb[TCP_SACK_SB_MAX]; /**< SACKed, sorted, above snd_una */
	struct tcp_cubic cubic;
	uint64_t idle_us;              /**< app's idle timeout, 0 = none */
	uint32_t rtt_start_lo;         /**< low 32 bits of the µs clock when rtt_seq was sent */
	uint32_t rtt_seq;              /**< seq timed without timestamps (Karn) */
	uint32_t born_hi;              /**< creation time in TS ticks (µs >> 10): the listing's age */
	uint32_t progress_ms;          /**< ms clock of the last progress (TF_USER_TIMEOUT, tcp_progress) */
	struct tcp_listener *listener; /**< passive and not yet accepted: its SYN queue */
	uint16_t keepidle_s;           /**< idle seconds before the first keepalive probe */
	uint16_t keepintvl_s;          /**< seconds between probes */
	uint32_t user_timeout_ms;      /**< RFC 5482 user timeout, 0 = none */
};

/** The lines of a control block an established connection's segment uses. */
#define TCP_CB_HOT_BYTES offsetof(struct tcp_cb, iss)

/** Low bit of a connection table value: the value is a TIME_WAIT record, not a tcb. */
#define TW_TAG ((uintptr_t)1)

/** A pair in TIME_WAIT: what RFC 9293 needs of it, nothing more (80 B). */
struct tcp_timewait {
	struct tcp_key key;
	uint32_t snd_nxt;              /**< our seq after our FIN */
	uint32_t rcv_nxt;              /**< after the peer's FIN */
	uint32_t ts_recent;            /**< peer's last TSval (RFC 6191) */
	uint32_t ts_offset;            /**< our TS offset */
	uint16_t rcv_wnd;              /**< window field to advertise (scaled) */
	uint8_t has_ts;
	uint8_t pad;
	uint64_t peer_seen_us;         /**< TIME_WAIT entered, or the peer's FIN came again */
	struct tern_wheel_node tmo;    /**< 2MSL expiry */
	TAILQ_ENTRY(tcp_timewait) link;/**< oldest first, for early eviction */
};

/** A listening port on one worker. */
struct tcp_listener {
	uint16_t port;                 /**< host order */
	uint32_t syn_count;            /**< half-open (SYN_RECEIVED) connections */
	uint64_t accepted;             /**< connections accepted (the operator's view) */
	uint32_t rcvbuf;               /**< its connections' receive buffer (tern_listen_set_rcvbuf) */
	uint16_t mss_cap;              /**< its connections' mss_cap (tern_listen_set_mss_cap) */
	tern_accept_fn *on_accept;
	void *arg;
};

/** Values from the config, in the units the engine uses. */
struct tcp_params {
	uint32_t max_conns, max_time_wait, syn_backlog;
	uint32_t sndbuf, rcvbuf;
	uint32_t reass_max;            /**< out-of-order segments held: a full window of 256-byte ones */
	uint16_t mss;                  /**< ours (from the MTU or config) */
	uint16_t mss6;                 /**< ours over IPv6 (a 40-byte IP header) */
	uint8_t rcv_wscale;            /**< shift we offer */
	bool timestamps, window_scaling, sack, keepalive;
	uint64_t time_wait_us, fin_wait_2_us, delack_us;
	uint32_t rto_min_us, rto_max_us;
	uint32_t retries, syn_retries;
	uint32_t keepidle_s, keepintvl_s;
	uint8_t keepcnt;
	uint32_t user_timeout_ms;
	uint32_t challenge_ack_limit;
	uint16_t port_min, port_max;
	const struct tcp_cc_ops *cc;   /**< congestion control for new connections */
	uint8_t syncookies;            /**< TERN_SYNCOOKIES_* */
};

TAILQ_HEAD(tcp_cb_list, tcp_cb);
TAILQ_HEAD(tcp_tw_list, tcp_timewait);

/** One worker's TCP state. Nothing in it is shared. */
struct tcp_worker {
	struct net_if *nif;            /**< the link we send on */
	struct tern_stats *stats;
	struct tcp_params p;
	struct rte_hash *conns;        /**< tcp_key -> tcb, or TIME_WAIT record | TW_TAG */
	struct rte_hash *conns6;       /**< the same for IPv6 (tcp_key6); NULL without IPv6 */
	uint32_t key6_room;            /**< TCP_KEY6_ROOM with IPv6, else 0 (pool elements) */
	struct tern_objpool tcb_pool;  /**< control blocks (with key6_room in front) */
	struct tern_objpool tw_pool;   /**< TIME_WAIT records (the same) */
	struct tcp_listener **listeners; /**< 65536 slots, by host-order port */
	struct tern_wheel *wheel;      /**< control blocks' timers */
	struct tern_wheel *tw_wheel;   /**< TIME_WAIT expiries */
	struct tcp_cb_list outq;       /**< control blocks with output work */
	struct tcp_cb_list reapq;      /**< dead control blocks to free */
	struct tcp_tw_list twq;        /**< TIME_WAIT records, oldest first */
	uint32_t n_tw;                 /**< records in twq */
	/** keys added to or deleted from the tables since the burst's bulk
	 * lookup, as a filter of their hashes (tcp_table_changed) */
	uint64_t table_changed[TCP_TABLE_CHANGED_WORDS];
	uint32_t n_tcb;                /**< control blocks allocated */
	bool mbufs_low;                /**< mbuf pool below 1/8, as last counted */
	uint32_t sndq_mbufs;           /**< mbufs held by this worker's send queues */
	uint32_t sndq_mbufs_max;       /**< their share: the pool less the receive reserve */
	uint64_t mbuf_check_us;        /**< next time to count the pool */
	uint32_t state_count[TERN_TCP_TIME_WAIT + 1];
	uint16_t next_port;            /**< ephemeral port search start */
	uint32_t next_addr;            /**< and address (index into our range) */
	uint64_t chal_window_us;       /**< start of the current challenge-ACK second */
	uint32_t chal_count;           /**< challenge ACKs sent in it */
	uint8_t secret[16];            /**< RFC 6528 ISN key */
	uint8_t ts_secret[16];         /**< timestamp offset key */
	uint8_t flow_label_secret[16]; /**< RFC 6437 flow labels' key (tcp_output.c) */
	uint8_t cookie_secret[2][16];  /**< SYN cookie keys: current, previous */
	uint32_t table_secret;         /**< the connection tables' hash key (tcp_conn.c) */
	uint32_t cookie_rotated_slot;  /**< slot of the last rotation */
	uint64_t last_cookie_us;       /**< when we last answered with a cookie */
	struct tern_worker *owner;     /**< for tern_conn_worker() */
	rte_be32_t last_bad_src;       /**< source of the last malformed segment (logs) */
};

/** A parsed received segment. */
struct tcp_seg {
	struct rte_mbuf *m;            /**< data offset at the payload */
	uint32_t seq, ack, len;        /**< len: payload bytes (SYN/FIN not counted) */
	uint32_t seq_sent;             /**< SEG.SEQ as it came, before any trim (SND.WL1) */
	uint8_t not_dupack;            /**< no duplicate ACK (RFC 5681 §2): SEG.LEN was not 0
	                                    as it came, or it was read only for its ACK */
	uint32_t wnd;                  /**< SEG.WND, unscaled */
	uint8_t flags;                 /**< TH_* */
	uint8_t steered;               /**< arrived on another worker's queue */
	/* options (RFC 9293 §3.2, RFC 7323, RFC 2018) */
	uint8_t has_mss, has_ws, has_ts, sack_ok;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	uint8_t nsack;                 /**< SACK blocks in sack[] */
	uint32_t sack[2 * TCP_SACK_MAX_BLOCKS]; /**< left, right edges */
};

static inline uint32_t
tcp_seg_seqlen(const struct tcp_seg *s)
{
	/* SEG.LEN: SYN and FIN each take one sequence number (RFC 9293 §3.4) */
	return s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN);
}

static inline struct tcp_cb *
conn_cb(struct tern_conn *c)
{
	return (struct tcp_cb *)c;
}

static inline struct tern_conn *
cb_conn(struct tcp_cb *tp)
{
	return (struct tern_conn *)tp;
}

/** Our MSS for a connection on @p key (RFC 9293 §3.7.1: the MTU less both headers). */
static inline uint16_t
tcp_mss_for(const struct tcp_worker *tw, const struct tcp_key *key)
{
	return unlikely(tcp_key_is_ip6(key)) ? tw->p.mss6 : tw->p.mss;
}

/** @p mss, or less where the application set a cap @p cap (TCP_MAXSEG; 0: none). */
static inline uint16_t
tcp_mss_capped(uint16_t mss, uint16_t cap)
{
	return cap != 0 && cap < mss ? cap : mss;
}

/**
 * Our MSS for @p tp: the one for its key, capped (tcp_mss_capped). It is
 * what our SYN or SYN-ACK announces, and the send MSS is at most it (RFC
 * 9293 §3.7.1).
 */
static inline uint16_t
tcp_mss_ours(const struct tcp_cb *tp)
{
	return tcp_mss_capped(tcp_mss_for(tp->tw, &tp->key), tp->mss_cap);
}

/** The clock ts_recent's age is kept on: µs in units of 2^20 (about 1 s). */
static inline uint32_t
tcp_paws_clock(uint64_t now_us)
{
	return (uint32_t)(now_us >> 20);
}

/** The SYN cookie time slot of @p now_us. */
static inline uint32_t
tcp_cookie_slot_of(uint64_t now_us)
{
	return (uint32_t)(now_us >> TCP_COOKIE_SLOT_SHIFT);
}

static inline uint32_t
tcp_ts_now(const struct tcp_worker *tw)
{
	return (uint32_t)(tw->nif->now_us >> TCP_TS_SHIFT);
}

/* --- tcp_conn.c --- */
int tcp_worker_init(struct tcp_worker *tw, struct net_if *nif, struct tern_stats *stats,
		const struct tern_config *cfg, struct tern_worker *owner, unsigned int id,
		unsigned int serial, int socket_id);
/* Abort every connection (on_closed ABORTED) and drop TIME_WAIT state. */
void tcp_worker_abort_all(struct tcp_worker *tw);
void tcp_worker_fini(struct tcp_worker *tw);
/* Keep @rx_mbufs of the worker's pool from send queues (at most half of it). */
void tcp_worker_set_rx_reserve(struct tcp_worker *tw, uint32_t rx_mbufs);
struct tcp_cb *tcp_cb_alloc(struct tcp_worker *tw, const struct tcp_key *key);
/** The control block, TIME_WAIT record | TW_TAG, or NULL that @p key names. */
void *tcp_table_lookup(struct tcp_worker *tw, const struct tcp_key *key);
void tcp_table_watch(struct tcp_worker *tw);
bool tcp_table_changed(const struct tcp_worker *tw, const struct tcp_key *key);
void tcp_set_state(struct tcp_cb *tp, uint8_t state);
void tcp_drop(struct tcp_cb *tp, int reason);
void tcp_reap(struct tcp_worker *tw);
void tcp_enter_time_wait(struct tcp_cb *tp, bool send_ack);
void tcp_timewait_free(struct tcp_worker *tw, struct tcp_timewait *t);
struct tcp_cb *tcp_cb_alloc_over(struct tcp_worker *tw, const struct tcp_key *key,
		struct tcp_timewait *t, uint32_t *iss_floor);
uint32_t tcp_iss(struct tcp_worker *tw, const struct tcp_key *key, uint32_t iss_floor);
void tcp_notify_closed(struct tcp_cb *tp, int reason);
int tcp_listen(struct tcp_worker *tw, uint16_t port, tern_accept_fn *fn, void *arg);
int tcp_unlisten(struct tcp_worker *tw, uint16_t port);
int tcp_listen_set_rcvbuf(struct tcp_worker *tw, uint16_t port, uint32_t bytes);
int tcp_listen_set_mss_cap(struct tcp_worker *tw, uint16_t port, uint32_t mss);
/* Active open from @saddr (0: the next free local address and port). */
struct tcp_cb *tcp_connect(struct tcp_worker *tw, rte_be32_t saddr, rte_be32_t daddr,
		uint16_t dport, const struct tern_conn_ops *ops, void *arg);

/* Active open to [@daddr]:@dport over IPv6, from our address for it. */
struct tcp_cb *tcp_connect6(struct tcp_worker *tw, const uint8_t *daddr, uint16_t dport,
		const struct tern_conn_ops *ops, void *arg);

/* A page of connections from *@cursor (tern_worker_conn_list); it looks at
 * TCP_LIST_SCAN_MAX table entries at most, TIME_WAIT records included. */
#define TCP_LIST_SCAN_MAX 1024
unsigned int tcp_conn_list(struct tcp_worker *tw, uint32_t *cursor, struct tern_conn_info *rows,
		unsigned int max);
unsigned int tcp_listener_list(struct tcp_worker *tw, struct tern_listener_info *rows,
		unsigned int max);

/**
 * The connection made progress (RFC 5482's user timeout counts from the
 * last): an ACK of new data, the peer's window opening, data going out with
 * nothing outstanding. Kept only for a connection with a user timeout; the
 * flag is in the first line, the clock in a cold one.
 */
static inline void
tcp_progress(struct tcp_cb *tp)
{
	if (unlikely(tp->flags & TF_USER_TIMEOUT))
		tp->progress_ms = (uint32_t)(tp->tw->nif->now_us / 1000);
}

/* --- tcp_input.c --- */
void tcp_input_burst(struct tcp_worker *tw, struct rte_mbuf **pkts, uint16_t n, bool steered);

/* --- tcp_icmp.c --- */
/** An ICMP error about one of our segments (net_is_icmp_error). Consumes @p m. */
void tcp_icmp_input(struct tcp_worker *tw, struct rte_mbuf *m);

/** The reason a connection that timed out ends with: a soft error heard says more. */
static inline int
tcp_timeout_reason(const struct tcp_cb *tp)
{
	return tp->soft_error != 0 ? TERN_CLOSE_UNREACHABLE : TERN_CLOSE_TIMEOUT;
}

/* --- tcp_output.c --- */
void tcp_output_sched(struct tcp_cb *tp);
void tcp_output_pass(struct tcp_worker *tw);
void tcp_output(struct tcp_cb *tp);
void tcp_send_rst_for(struct tcp_worker *tw, const struct tcp_key *key,
		const struct tcp_seg *seg);
void tcp_send_probe_byte(struct tcp_cb *tp);
/** A SYN-ACK carrying cookie @p iss, offering @p rcvbuf (at most 65535: unscaled)
 * and announcing @p mss. */
void tcp_send_cookie_synack(struct tcp_worker *tw, const struct tcp_key *key,
		const struct tcp_seg *syn, uint32_t iss, uint32_t rcvbuf, uint16_t mss);
void tcp_send_rst(struct tcp_cb *tp);
void tcp_timewait_send_ack(struct tcp_worker *tw, struct tcp_timewait *t);
void tcp_send_keepalive(struct tcp_cb *tp);
uint32_t tcp_rcv_window(struct tcp_cb *tp);
int tcp_sndq_append(struct tcp_cb *tp, const void *buf, uint32_t len);
/** Queue @p len bytes at @p data by reference (tern_send_static). */
int tcp_sndq_append_static(struct tcp_cb *tp, const void *data, uint32_t len);
/** Queue @p m (the stack's now), each of its mbufs a buffer of its own. */
void tcp_sndq_append_mbuf(struct tcp_cb *tp, struct rte_mbuf *m);
/** Let go of the whole send queue (a frame still in flight frees its buffer). */
void tcp_sndq_purge(struct tcp_cb *tp);
void tcp_sndq_drop_acked(struct tcp_cb *tp, uint32_t bytes);
/* Resend from SND.UNA (one segment); @return sequence numbers sent (0: none). */
uint32_t tcp_retransmit_first(struct tcp_cb *tp);
/* Payload bytes one segment may carry now (MSS less every option). */
uint32_t tcp_payload_room(const struct tcp_cb *tp);
/** A pure ACK now, not batched (duplicate ACKs for out-of-order data). */
void tcp_send_ack_now(struct tcp_cb *tp);
/* Resend [seq, seq + len) as one segment, trimmed to what fits and was sent;
 * @return sequence numbers sent (0: none). */
uint32_t tcp_retransmit_range(struct tcp_cb *tp, uint32_t seq, uint32_t len);

/* --- tcp_timer.c --- */
void tcp_timer_set(struct tcp_cb *tp, enum tcp_timer_id id, uint64_t when_us);
void tcp_timer_stop(struct tcp_cb *tp, enum tcp_timer_id id);
void tcp_timer_stop_all(struct tcp_cb *tp);
/** Run the output of @p tp again at @p when at the latest (TF_NOMBUF). */
void tcp_timer_output_retry(struct tcp_cb *tp, uint64_t when);
void tcp_timers_advance(struct tcp_worker *tw, uint64_t now_us);
void tcp_rexmt_arm(struct tcp_cb *tp);
/** Arm the persist timer: RTO (at least TCP_PERSIST_MIN_US) << persist_shift, capped
 * at rto_max (RFC 9293 §3.8.6.1). */
void tcp_persist_set(struct tcp_cb *tp);
void tcp_rtt_sample(struct tcp_cb *tp, uint32_t rtt_us);
void tcp_timewait_arm(struct tcp_worker *tw, struct tcp_timewait *t);
/** RFC 9293 §3.8.4: the first keepalive probe keepidle after @p from_us
 * (TF_KEEPALIVE), or none. */
void tcp_keep_arm(struct tcp_cb *tp, uint64_t from_us);

/* --- tcp_reass.c --- */
/** Queue out-of-order segment @p m (payload only, meta.seq set). Consumes @p m. */
void tcp_reass_insert(struct tcp_cb *tp, struct rte_mbuf *m, bool fin);
/** Deliver what became in order. */
void tcp_reass_deliver(struct tcp_cb *tp);
void tcp_reass_purge(struct tcp_cb *tp);
/** Fill up to @p max SACK blocks (pairs of left/right edges). @return count. */
unsigned int tcp_reass_sack_blocks(const struct tcp_cb *tp, uint32_t *edges, unsigned int max);

/* --- tcp_opt.c --- */
/** Parse the options of @p th into @p seg. @return 0 or -EINVAL (malformed). */
int tcp_opt_parse(const uint8_t *opt, unsigned int len, struct tcp_seg *seg, bool syn);
/** The options of a SYN or SYN-ACK, as chosen (tcp_opt_write_syn). */
struct tcp_syn_opts {
	uint16_t mss;
	bool sack_ok, ts, ws;
	uint32_t tsval, tsecr;
	uint8_t wscale;
};
/** Write @p o: MSS, then SACK-permitted, timestamps and window scale where
 * set, in Linux's 20-byte layout. @return bytes written (multiple of 4, <= 20). */
unsigned int tcp_opt_write_syn(uint8_t *p, const struct tcp_syn_opts *o);
/** Write NOP, NOP, timestamps (RFC 7323 §3). @return 12. */
unsigned int tcp_opt_write_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr);
/** Write our SYN / SYN-ACK options. @return bytes written (multiple of 4). */
unsigned int tcp_opt_build_syn(struct tcp_cb *tp, uint8_t *p, bool synack);
/** Write options of a non-SYN segment (timestamps, SACK). @return bytes (x4). */
unsigned int tcp_opt_build(struct tcp_cb *tp, uint8_t *p);
/** Option bytes a non-SYN segment of @p tp carries without SACK blocks. */
static inline unsigned int
tcp_opt_len_fixed(const struct tcp_cb *tp)
{
	return (tp->flags & TF_TS) ? 12 : 0;
}

/* --- tcp_cc.c --- */
void tcp_cc_init(struct tcp_cb *tp);
void tcp_cc_ack(struct tcp_cb *tp, uint32_t acked);
void tcp_cc_dupack(struct tcp_cb *tp);
/* RFC 8985 §7.4: a loss probe's episode ended (ACK at or past tlp_high_seq). */
void tcp_cc_tlp_done(struct tcp_cb *tp);
void tcp_cc_timeout(struct tcp_cb *tp);
void tcp_cc_restart_after_idle(struct tcp_cb *tp);

/* --- tcp_sack.c --- */
/** Merge the SACK blocks of @p seg into the scoreboard. @return true if it grew. */
bool tcp_sack_update(struct tcp_cb *tp, const struct tcp_seg *seg);
/** Forget what SND.UNA has passed. */
void tcp_sack_prune(struct tcp_cb *tp);
/** Bytes the scoreboard holds as SACKed (all above SND.UNA). */
uint32_t tcp_sack_bytes(const struct tcp_cb *tp);
/** The first hole at or after @p from below the highest SACKed byte. */
bool tcp_sack_next_hole(const struct tcp_cb *tp, uint32_t from, uint32_t *seq, uint32_t *len);
/** @p seq moved past SACKed data; @p room = bytes until the next SACKed range. */
uint32_t tcp_sack_skip(const struct tcp_cb *tp, uint32_t seq, uint32_t *room);

/* --- tcp_syncookie.c --- */
void tcp_syncookie_rotate(struct tcp_worker *tw);
/** Our ISN for a stateless SYN-ACK to the SYN (@p irs, @p peer_mss) on @p key. */
uint32_t tcp_syncookie_make(struct tcp_worker *tw, const struct tcp_key *key, uint32_t irs,
		uint16_t peer_mss);
/** Check @p cookie (= SEG.ACK - 1) for @p key and @p irs; @return true and the MSS. */
bool tcp_syncookie_check(struct tcp_worker *tw, const struct tcp_key *key, uint32_t irs,
		uint32_t cookie, uint16_t *mss);
/** Our TSval with the SYN's window shift and SACK-permitted in its low 5 bits. */
uint32_t tcp_syncookie_tsval(uint32_t tsval, const struct tcp_seg *syn, bool sack_on);
/** Read back what tcp_syncookie_tsval() stored, from the ACK's TSecr. */
void tcp_syncookie_ts_decode(uint32_t tsecr, bool *ws_on, uint8_t *ws, bool *sack_on);

/* --- tcp_isn.c --- */
uint32_t tcp_isn(struct tcp_worker *tw, const struct tcp_key *key);
uint32_t tcp_ts_offset(struct tcp_worker *tw, const struct tcp_key *key);

/* --- tcp_check.c: invariants, in TERN_ASSERTS builds only --- */
#ifdef TERN_ASSERTS
/** Assert what must hold of @p tp between events (see tcp_check.c). */
void tcp_conn_check_invariants(const struct tcp_cb *tp);
/** The same for every connection of @p tw, and the worker's own lists and counts. */
void tcp_worker_check_invariants(struct tcp_worker *tw);
#else
static inline void tcp_conn_check_invariants(const struct tcp_cb *tp __rte_unused) {}
static inline void tcp_worker_check_invariants(struct tcp_worker *tw __rte_unused) {}
#endif

/* --- delivery helpers (tcp_input.c) --- */
void tcp_deliver(struct tcp_cb *tp, struct rte_mbuf *m, uint32_t len);
void tcp_fin_received(struct tcp_cb *tp);

#endif /* TERN_TCP_PRIV_H */
