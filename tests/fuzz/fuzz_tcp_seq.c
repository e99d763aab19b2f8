/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_tcp_seq: a sequence of steps against a stack holding a listener and
 * connections in each interesting state, the invariants checked after
 * every step.
 *
 * Before the input's steps, a fixed script (fs_setup) leaves, from peer
 * ports FS_PORT0 + i:
 *   1 SYN_RECEIVED (SYN answered, never ACKed)
 *   2 ESTABLISHED with 3000 bytes in flight (timestamps, SACK, scaling)
 *   3 FIN_WAIT_2 (the app closed, the peer ACKed our FIN)
 *   4 CLOSE_WAIT (the peer's FIN, the app still open)
 *   5 ESTABLISHED holding out-of-order data (a hole at RCV.NXT)
 *   6 TIME_WAIT (we closed first, then the peer's FIN)
 *   7 SYN_SENT (tern_connect, the SYN unanswered)
 * The peer side is a small model fed by what tern sends (fs_read): per port
 * the last ACK and window tern sent (the peer's next sequence number), the
 * highest sequence number tern sent and its last TSval, so the fuzzer's
 * numbers are offsets from what tern expects and land near the window.
 *
 * Input: byte 0 the configuration (FZ_CFG_*), then steps; each step is an
 * opcode byte (low 3 bits the kind; 0x80: inject without polling, so
 * several segments form one burst) and its arguments:
 *   SEG     peer i, flags, seq offset (s16), ack offset (s16), window,
 *           payload length, option mode [, raw options]
 *   RAW     length (u16), bytes, fixup bits: any frame
 *   CLOCK   u16: milliseconds (top bit set: units of 100 ms), then poll
 *   SEND    record r, length (u16): tern_send of a pattern
 *   CLOSE   record r, how: tern_close, tern_shutdown, or tern_abort
 *   CONNECT peer port offset: a new tern_connect to the peer
 *   HOLD    record r, byte: tern_recv_hold on/off, tern_recved (0x80), or
 *           (0x40) tern_conn_set_cork / tern_conn_set_more / tern_conn_push
 *   POLL
 * Records are the connections the app knows (accepted or connected), by
 * index modulo their count; a closed one is skipped. TERN_FUZZ_TRACE=1 in
 * the environment prints each step and every segment tern sends. At the end every
 * record still open is aborted and fz_down() checks the pools and counts.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "fuzz_stack.h"

#define FS_PORT0   40000
#define FS_PEERS   32
#define FS_STEPS   512
#define FS_RECS    (FS_STEPS + 16)  /**< a step injects one frame: one accept at most */
#define FS_PAYLOAD 1460

#define T_FIN RTE_TCP_FIN_FLAG
#define T_SYN RTE_TCP_SYN_FLAG
#define T_RST RTE_TCP_RST_FLAG
#define T_PSH RTE_TCP_PSH_FLAG
#define T_ACK RTE_TCP_ACK_FLAG

enum { OP_SEG, OP_RAW, OP_CLOCK, OP_SEND, OP_CLOSE, OP_CONNECT, OP_HOLD, OP_POLL };

/** The peer's view of one connection (or would-be one). */
struct fs_peer {
	uint16_t pport;                 /**< the peer's port */
	uint16_t lport;                 /**< tern's port (FZ_LPORT, or tern_connect's) */
	bool ts;                        /**< tern sends timestamps to it */
	uint32_t nxt;                   /**< the peer's next sequence number */
	uint32_t tern_max;              /**< highest sequence number tern sent, + 1 */
	uint32_t tern_tsval;            /**< tern's last TSval */
	bool seen;                      /**< tern sent it something */
};

struct fs_rec {
	struct tern_conn *c;
	bool closed;
};

static struct {
	struct fz_stack f;
	struct fs_peer peers[FS_PEERS];
	unsigned int n_peers;
	struct fs_rec recs[FS_RECS];
	unsigned int n_recs;
	uint8_t payload[FS_PAYLOAD];
	uint8_t sendbuf[65536];
} S;

static bool fs_trace;    /* TERN_FUZZ_TRACE set: print each step and what tern sent */

/* ------------------------------------------------------------- the app */

static struct fs_rec *
fs_rec_of(struct tern_conn *c, const char *cb)
{
	for (unsigned int i = S.n_recs; i-- > 0;)
		if (S.recs[i].c == c && !S.recs[i].closed)
			return &S.recs[i];
	fz_fail("%s for a connection the app does not know or that was closed", cb);
}

static void
fs_on_connected(struct tern_conn *c, void *arg __rte_unused)
{
	fs_rec_of(c, "on_connected");
}

static void
fs_on_recv(struct tern_conn *c, struct rte_mbuf *m, void *arg __rte_unused)
{
	fs_rec_of(c, "on_recv");
	if (rte_pktmbuf_pkt_len(m) == 0)
		fz_fail("on_recv with an empty mbuf");
	rte_pktmbuf_free(m);
}

static void
fs_on_sent(struct tern_conn *c, uint32_t acked __rte_unused, void *arg __rte_unused)
{
	fs_rec_of(c, "on_sent");
}

static void
fs_on_peer_closed(struct tern_conn *c, void *arg __rte_unused)
{
	fs_rec_of(c, "on_peer_closed");
}

static void
fs_on_closed(struct tern_conn *c, int reason __rte_unused, void *arg __rte_unused)
{
	fs_rec_of(c, "on_closed")->closed = true;
}

static const struct tern_conn_ops fs_ops = {
	.on_connected = fs_on_connected,
	.on_recv = fs_on_recv,
	.on_sent = fs_on_sent,
	.on_peer_closed = fs_on_peer_closed,
	.on_closed = fs_on_closed,
};

static void
fs_add_rec(struct tern_conn *c)
{
	if (S.n_recs == FS_RECS)
		fz_fail("more connections than frames and connects");
	S.recs[S.n_recs].c = c;
	S.recs[S.n_recs].closed = false;
	S.n_recs++;
}

static int
fs_accept(struct tern_conn *c, void *arg __rte_unused)
{
	tern_conn_set_ops(c, &fs_ops, NULL);
	fs_add_rec(c);
	return 0;
}

/* The @p i-th record (modulo the count) still open, or NULL. */
static struct tern_conn *
fs_rec_pick(uint8_t i)
{
	if (S.n_recs == 0)
		return NULL;
	i %= S.n_recs;
	return S.recs[i].closed ? NULL : S.recs[i].c;
}

/* ------------------------------------------------------------ the peer */

static struct fs_peer *
fs_peer_of(uint16_t pport)
{
	struct fs_peer *p;

	for (unsigned int i = 0; i < S.n_peers; i++)
		if (S.peers[i].pport == pport)
			return &S.peers[i];
	if (S.n_peers == FS_PEERS)
		return NULL;
	p = &S.peers[S.n_peers++];
	memset(p, 0, sizeof(*p));
	p->pport = pport;
	p->lport = FZ_LPORT;
	p->nxt = (uint32_t)pport * 100000u;
	return p;
}

/* TSval of the TCP options at @p opt, if there is one. */
static bool
fs_find_ts(const uint8_t *opt, size_t len, uint32_t *tsval)
{
	size_t i = 0;

	while (i < len) {
		if (opt[i] == 0)
			break;
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break;
		if (opt[i] == 8 && opt[i + 1] == 10) {
			rte_be32_t v;

			memcpy(&v, &opt[i + 2], 4);
			*tsval = rte_be_to_cpu_32(v);
			return true;
		}
		i += opt[i + 1];
	}
	return false;
}

/* Take everything tern sent and update the peers. */
static void
fs_read(void)
{
	struct nf_pkt pk;

	while (nf_take(S.f.ns.dev, &pk, 1) == 1) {
		const struct rte_tcp_hdr *th;
		struct fs_peer *p;
		uint32_t seq, end, hl;

		if (pk.ip == NULL || pk.ip->next_proto_id != IPPROTO_TCP || pk.l4_len < 20 ||
				pk.ip->dst_addr != FZ_PEER_IP)
			continue;
		th = (const struct rte_tcp_hdr *)(const void *)pk.l4;
		hl = (uint32_t)(th->data_off >> 4) * 4;
		if (hl < 20 || hl > pk.l4_len)
			fz_fail("tern sent a TCP header of %u bytes", hl);
		p = fs_peer_of(rte_be_to_cpu_16(th->dst_port));
		if (p == NULL)
			continue;
		p->lport = rte_be_to_cpu_16(th->src_port);
		p->seen = true;
		seq = rte_be_to_cpu_32(th->sent_seq);
		end = seq + (pk.l4_len - hl) + !!(th->tcp_flags & T_SYN) + !!(th->tcp_flags & T_FIN);
		if ((th->tcp_flags & T_RST) == 0 && (int32_t)(end - p->tern_max) > 0)
			p->tern_max = end;
		if (th->tcp_flags & T_SYN)
			p->tern_max = end;
		if (th->tcp_flags & T_ACK)
			p->nxt = rte_be_to_cpu_32(th->recv_ack);
		p->ts = fs_find_ts(pk.l4 + 20, hl - 20, &p->tern_tsval);
		if (fs_trace)
			fprintf(stderr, "  tern -> %u: flags %02x seq %u ack %u wnd %u len %u\n",
					p->pport, th->tcp_flags, seq, rte_be_to_cpu_32(th->recv_ack),
					rte_be_to_cpu_16(th->rx_win), pk.l4_len - hl);
	}
}

static void
fs_poll(void)
{
	fz_poll(&S.f);
	fs_read();
}

static void
fs_advance(uint64_t us)
{
	fz_advance(&S.f, us);
	fs_read();
}

/* Timestamps option (NOP NOP TS) from @p p at @p o. @return 12. */
static size_t
fs_put_ts(uint8_t *o, const struct fs_peer *p)
{
	rte_be32_t v = rte_cpu_to_be_32((uint32_t)(S.f.ns.now / 1000));
	rte_be32_t e = rte_cpu_to_be_32(p->tern_tsval);

	o[0] = 1;
	o[1] = 1;
	o[2] = 8;
	o[3] = 10;
	memcpy(o + 4, &v, 4);
	memcpy(o + 8, &e, 4);
	return 12;
}

/* A segment from @p p; options @p opt (a multiple of 4 long). */
static void
fs_seg(struct fs_peer *p, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd,
		uint32_t len, const uint8_t *opt, size_t optlen)
{
	uint8_t frame[NF_FRAME_MAX];
	struct nf_tcp t = {
		.eth_dst = NF_OUR_MAC, .eth_src = FZ_PEER_MAC, .src = FZ_PEER_IP,
		.dst = NF_OUR_IP, .sport = p->pport, .dport = p->lport, .seq = seq, .ack = ack,
		.flags = flags, .wnd = wnd, .opts = opt, .optlen = optlen,
		.payload = S.payload, .len = len, .df = true,
	};
	size_t n = nf_tcp_frame(frame, &t);

	if (n != 0)
		fz_inject(&S.f, frame, n);
}

/* ----------------------------------------------------------- the script */

/* SYN with MSS 1460 and, when @p all, SACK-permitted, timestamps, WS 7. */
static struct fs_peer *
fs_syn(uint16_t pport, bool all)
{
	struct fs_peer *p = fs_peer_of(pport);
	uint8_t o[24] = { 2, 4, 0x05, 0xb4 };
	size_t n = 4;

	if (all) {
		o[n++] = 1; o[n++] = 1; o[n++] = 4; o[n++] = 2;         /* SACK ok */
		n += fs_put_ts(o + n, p);
		o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = 7;         /* WS 7 */
	}
	fs_seg(p, T_SYN, p->nxt, 0, 65535, 0, o, n);
	p->nxt++;
	fs_poll();
	return p;
}

/* A segment of the model's numbers: the peer's next byte, tern's highest. */
static void
fs_send(struct fs_peer *p, uint8_t flags, uint32_t off, uint32_t len)
{
	uint8_t o[12];
	size_t n = p->ts ? fs_put_ts(o, p) : 0;

	fs_seg(p, flags, p->nxt + off, p->tern_max, 1024, len, o, n);
	fs_poll();
}

static struct fs_peer *
fs_open(uint16_t pport, bool all)
{
	struct fs_peer *p = fs_syn(pport, all);

	fs_send(p, T_ACK, 0, 0);
	return p;
}

static struct tern_conn *
fs_last(void)
{
	return S.n_recs != 0 ? S.recs[S.n_recs - 1].c : NULL;
}

static void
fs_setup(void)
{
	struct fs_peer *p;
	struct tern_conn *c;

	fs_syn(FS_PORT0 + 1, true);                             /* SYN_RECEIVED */
	fs_open(FS_PORT0 + 2, true);                            /* data in flight */
	if ((c = fs_last()) != NULL) {
		tern_send(c, S.sendbuf, 3000);
		fs_poll();
	}
	p = fs_open(FS_PORT0 + 3, false);                       /* FIN_WAIT_2 */
	if ((c = fs_last()) != NULL) {
		tern_close(c);
		fs_poll();
		fs_send(p, T_ACK, 0, 0);
	}
	p = fs_open(FS_PORT0 + 4, true);                        /* CLOSE_WAIT */
	fs_send(p, T_ACK | T_FIN, 0, 0);
	p = fs_open(FS_PORT0 + 5, true);                        /* a hole */
	fs_send(p, T_ACK | T_PSH, 1000, 100);
	p = fs_open(FS_PORT0 + 6, false);                       /* TIME_WAIT */
	if ((c = fs_last()) != NULL) {
		tern_close(c);
		fs_poll();
		fs_send(p, T_ACK | T_FIN, 0, 0);
	}
	c = tern_connect(S.f.ns.w, FZ_PEER_IP, FS_PORT0 + 7, &fs_ops, NULL);  /* SYN_SENT */
	if (c != NULL) {
		fs_add_rec(c);
		fs_poll();
	}
	fz_check(&S.f);
}

/* ------------------------------------------------------------ the steps */

static void
fs_step_seg(struct fz_in *in)
{
	uint8_t who = fz_u8(in), flags = fz_u8(in);
	int16_t dseq = (int16_t)fz_u16(in), dack = (int16_t)fz_u16(in);
	uint16_t wnd = fz_u16(in);
	uint8_t lenb = fz_u8(in), mode = fz_u8(in);
	uint32_t len = lenb & 0x80 ? (uint32_t)(lenb & 0x7f) * 16 : lenb;
	struct fs_peer *p;
	uint8_t o[40];
	size_t n = 0;

	p = (who & 0x80) ? fs_peer_of((uint16_t)(FS_PORT0 + 100 + (who & 0x0f))) :
		S.n_peers != 0 ? &S.peers[who % S.n_peers] : NULL;
	if (p == NULL)
		return;
	switch (mode & 3) {
	case 1:         /* timestamps */
		n = fs_put_ts(o, p);
		break;
	case 2:         /* raw bytes, padded with EOL */
		n = fz_bytes(in, o, (size_t)(mode >> 2) % 41);
		while (n % 4 != 0)
			o[n++] = 0;
		break;
	case 3: {       /* timestamps and one SACK block near what tern sent */
		int16_t l = (int16_t)fz_u16(in), r = (int16_t)fz_u16(in);
		rte_be32_t le = rte_cpu_to_be_32(p->tern_max + l);
		rte_be32_t re = rte_cpu_to_be_32(p->tern_max + r);

		n = fs_put_ts(o, p);
		o[n++] = 1;
		o[n++] = 1;
		o[n++] = 5;
		o[n++] = 10;
		memcpy(o + n, &le, 4);
		memcpy(o + n + 4, &re, 4);
		n += 8;
		break;
	}
	default:
		break;
	}
	fs_seg(p, flags, p->nxt + dseq, p->tern_max + dack, wnd, RTE_MIN(len, FS_PAYLOAD - n),
			o, n);
}

static void
fs_step_raw(struct fz_in *in)
{
	uint8_t frame[NF_FRAME_MAX];
	size_t len = fz_bytes(in, frame, fz_u16(in) % (NF_FRAME_MAX + 1));

	fz_fixup(frame, len, fz_u8(in));
	fz_inject(&S.f, frame, len);
}

static void
fs_step_close(struct fz_in *in)
{
	struct tern_conn *c = fs_rec_pick(fz_u8(in));
	uint8_t how = fz_u8(in);

	if (c == NULL)
		return;
	switch (how % 3) {
	case 0: tern_close(c); break;
	case 1: tern_shutdown(c); break;
	default: tern_abort(c); break;
	}
}

static void
fs_step_hold(struct fz_in *in)
{
	struct tern_conn *c = fs_rec_pick(fz_u8(in));
	uint8_t b = fz_u8(in);

	if (c == NULL)
		return;
	if (b & 0x80)
		tern_recved(c, (uint32_t)(b & 0x7f) * 64);
	else if (!(b & 0x40))
		tern_recv_hold(c, b & 1);
	else if ((b & 3) == 0)
		tern_conn_set_cork(c, b & 4);
	else if ((b & 3) == 1)
		tern_conn_set_more(c, b & 4);
	else
		tern_conn_push(c);
}

static void
fs_step(struct fz_in *in)
{
	uint8_t op = fz_u8(in);
	struct tern_conn *c;
	uint16_t v;

	if (fs_trace) {
		size_t n = RTE_MIN(in->left, (size_t)12);

		fprintf(stderr, "step %u:", op & 7);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %02x", in->p[i]);
		fprintf(stderr, "\n");
	}

	switch (op & 7) {
	case OP_SEG:
		fs_step_seg(in);
		break;
	case OP_RAW:
		fs_step_raw(in);
		break;
	case OP_CLOCK:
		v = fz_u16(in);
		fs_advance(v & 0x8000 ? (uint64_t)(v & 0x7fff) * 100000 : (uint64_t)v * 1000);
		return;
	case OP_SEND:
		c = fs_rec_pick(fz_u8(in));
		v = fz_u16(in);
		if (c != NULL)
			tern_send(c, S.sendbuf, v);
		break;
	case OP_CLOSE:
		fs_step_close(in);
		break;
	case OP_CONNECT:
		v = (uint16_t)(FS_PORT0 + 200 + fz_u8(in) % 16);
		if (S.n_recs < FS_RECS &&
				(c = tern_connect(S.f.ns.w, FZ_PEER_IP, v, &fs_ops, NULL)) != NULL)
			fs_add_rec(c);
		break;
	case OP_HOLD:
		fs_step_hold(in);
		break;
	default:
		break;
	}
	if (!(op & 0x80))
		fs_poll();
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc __rte_unused, char ***argv __rte_unused)
{
	fz_init("tcp_seq");
	fs_trace = getenv("TERN_FUZZ_TRACE") != NULL;
	for (size_t i = 0; i < sizeof(S.payload); i++)
		S.payload[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(S.sendbuf); i++)
		S.sendbuf[i] = (uint8_t)(i * 13 + 5);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };

	S.n_peers = 0;
	S.n_recs = 0;
	fz_up(&S.f, fz_u8(&in), true, fs_accept, NULL);
	fs_setup();
	for (unsigned int i = 0; i < FS_STEPS && in.left != 0; i++) {
		fs_step(&in);
		fz_check(&S.f);
	}
	fs_poll();
	if (fs_trace)
		fprintf(stderr, "frames for the device to cut: %" PRIu64 "\n",
				tern_worker_stats(S.f.ns.w)->tcp_tx_tso_frames);
	for (unsigned int i = 0; i < S.n_recs; i++)
		if (!S.recs[i].closed)
			tern_abort(S.recs[i].c);
	for (unsigned int i = 0; i < S.n_recs; i++)
		if (!S.recs[i].closed)
			fz_fail("record %u: no on_closed after tern_abort", i);
	fz_down(&S.f);
	return 0;
}
