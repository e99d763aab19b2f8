/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: the send queue, segment building, and the per-connection
 * output decision (RFC 9293 §3.8.6.2.1 sender SWS avoidance, RFC 5681
 * congestion window, RFC 9293 §3.8.6.1 zero-window probing).
 *
 * Connections with work are put on the worker's output list; the list is
 * drained once per iteration (tcp_output_pass), so ACKs are batched and ride
 * on data whenever the application answered within its callback.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "tcp_priv.h"
#include "tern_siphash.h"

void
tcp_output_sched(struct tcp_cb *tp)
{
	if ((tp->flags & (TF_OUTQ | TF_DEAD)) == 0) {
		tp->flags |= TF_OUTQ;
		TAILQ_INSERT_TAIL(&tp->tw->outq, tp, out_link);
	}
}

/*
 * The driver has refused a whole transmit batch: @tp's output waits on the
 * output list for the next iteration rather than build segments that would
 * be dropped and sent again only by a retransmission timer.
 */
static void
tcp_output_defer(struct tcp_cb *tp)
{
	tp->tw->stats->tcp_tx_deferred++;
	tcp_output_sched(tp);
}

void
tcp_output_pass(struct tcp_worker *tw)
{
	struct tcp_cb *tp;

	/* stopped by a full transmit batch: the rest go next iteration */
	while ((tp = TAILQ_FIRST(&tw->outq)) != NULL && !net_tx_blocked(tw->nif)) {
		TAILQ_REMOVE(&tw->outq, tp, out_link);
		tp->flags &= ~TF_OUTQ;
		tcp_output(tp);
		tcp_conn_check_invariants(tp);
	}
}

/* --- send queue ------------------------------------------------------- */

/*
 * Send buffers and the frames that point into them. Where the driver allows
 * it (TERN_NETDEV_TX_BY_REF), a segment whose payload starts a send-queue
 * buffer is sent from that buffer: the headers are written into its headroom
 * and a carrier mbuf, attached to the buffer as an external buffer, is the
 * frame. The buffer counts the frames in flight (tx_refs, no atomics: a worker
 * sends and frees its frames on its own lcore); its headroom is rewritten only
 * when none is, and one acknowledged meanwhile is freed by its last frame.
 */

/* A buffer joins the send queue: no frame points into it yet. */
static void
tcp_sndq_enqueue(struct tcp_cb *tp, struct rte_mbuf *m)
{
	struct tern_mbuf_meta *meta = tern_mbuf_meta(m);

	meta->flags = 0;
	meta->tx_refs = 0;
	tern_mbufq_enqueue(&tp->sndq, m);
	tp->tw->sndq_mbufs += m->nb_segs;
}

/* A buffer leaves the send queue: freed now, or by the last frame using it. */
static void
tcp_sndq_release(struct tcp_worker *tw, struct rte_mbuf *m)
{
	struct tern_mbuf_meta *meta = tern_mbuf_meta(m);

	tw->sndq_mbufs -= m->nb_segs;
	if (meta->tx_refs != 0)
		meta->flags |= TERN_MBUF_ORPHAN;
	else
		rte_pktmbuf_free(m);
}

/* A carrier frame was freed by the driver (rte_mbuf_extbuf_free_callback_t). */
static void
tcp_sndq_frame_done(void *addr __rte_unused, void *opaque)
{
	struct rte_mbuf *m = opaque;
	struct tern_mbuf_meta *meta = tern_mbuf_meta(m);

	if (--meta->tx_refs == 0 && (meta->flags & TERN_MBUF_ORPHAN))
		rte_pktmbuf_free(m);
}

void
tcp_sndq_purge(struct tcp_cb *tp)
{
	struct rte_mbuf *m;

	while ((m = tern_mbufq_dequeue(&tp->sndq)) != NULL)
		tcp_sndq_release(tp->tw, m);
	tp->snd_cur = NULL;
	tp->sndq_bytes = 0;
	tp->snd_head_off = 0;
}

/*
 * Bytes @tail, the last send-queue buffer, may take in place. It must be ours
 * alone (no other reference reads it). Where segments are sent by reference
 * (TERN_NETDEV_TX_BY_REF) buffers are cut to line up with segments: a buffer
 * none of which was sent holds one segment's payload; one already sent from
 * grows only to end where the segment after what was sent ends (that segment
 * is copied, the following ones start fresh buffers), else not at all.
 */
static uint32_t
tcp_sndq_tail_room(const struct tcp_cb *tp, const struct rte_mbuf *tail)
{
	uint32_t room, start, len, sent, limit;

	if (tail == NULL || tail->nb_segs != 1 || rte_mbuf_refcnt_read(tail) != 1 ||
			!RTE_MBUF_DIRECT(tail))
		return 0;
	room = rte_pktmbuf_tailroom(tail);
	if (!(tp->tw->nif->offloads & TERN_NETDEV_TX_BY_REF) || tp->seg_max == 0)
		return room;    /* no MSS known yet (SYN_SENT): nothing to line up */
	len = rte_pktmbuf_data_len(tail);
	start = tp->snd_una + tp->sndq_bytes - len;
	/* until our SYN is acknowledged no data went out (SND.MAX covers the SYN) */
	sent = tp->snd_una != tp->iss && seq_lt(start, tp->snd_max) ?
		RTE_MIN(tp->snd_max - start, len) : 0;
	limit = sent + tp->seg_max;
	if (limit <= len || limit > len + room)
		return 0;
	return limit - len;
}

/* Bytes of the headers in front of a full-sized segment of @tp. */
static uint32_t
tcp_frame_hdr_len(const struct tcp_cb *tp)
{
	return RTE_ETHER_HDR_LEN + tcp_ip_hlen(&tp->key) + TCP_HDR_MIN + tcp_opt_len_fixed(tp);
}

/*
 * A fresh send buffer: where segments are sent by reference its payload
 * starts so that the frame built in front of it starts on a cache line
 * (drivers that copy frames copy from an aligned source).
 */
static uint32_t
tcp_sndq_new_buffer_room(const struct tcp_cb *tp, struct rte_mbuf *m)
{
	if (!(tp->tw->nif->offloads & TERN_NETDEV_TX_BY_REF))
		return rte_pktmbuf_tailroom(m);
	m->data_off = (uint16_t)(RTE_PKTMBUF_HEADROOM +
			tcp_frame_hdr_len(tp) % RTE_CACHE_LINE_SIZE);
	if (tp->seg_max == 0)   /* no MSS known yet (SYN_SENT) */
		return rte_pktmbuf_tailroom(m);
	return RTE_MIN(rte_pktmbuf_tailroom(m), (uint32_t)tp->seg_max);
}

/*
 * Whether the send queue of @tp may take one more buffer: the worker's send
 * queues stay within their share of the pool, so receive keeps its reserve
 * (tcp_worker_set_rx_reserve); a counter, not rte_mempool_avail_count, which
 * walks every lcore's cache. An empty queue may always take one: a write
 * refused here then always has data queued, whose ACK brings on_sent, the
 * application's cue to write again (as for a full send buffer).
 */
static bool
tcp_sndq_may_grow(struct tcp_cb *tp)
{
	struct tcp_worker *tw = tp->tw;

	if (likely(tw->sndq_mbufs < tw->sndq_mbufs_max) || tp->sndq.len == 0)
		return true;
	tw->stats->tcp_snd_reserve_hit++;
	return false;
}

int
tcp_sndq_append(struct tcp_cb *tp, const void *buf, uint32_t len)
{
	struct rte_mempool *pool = tp->tw->nif->pool;
	const uint8_t *src = buf;
	uint32_t done = 0;
	int err = 0;

	while (done < len) {
		struct rte_mbuf *tail = tp->sndq.tail;
		uint32_t room = tcp_sndq_tail_room(tp, tail), n;
		char *dst;

		if (room == 0) {
			if (!tcp_sndq_may_grow(tp))
				break;
			tail = rte_pktmbuf_alloc(pool);
			if (tail == NULL) {
				tp->tw->stats->tcp_nombuf++;
				err = -ENOBUFS;
				break;
			}
			tcp_sndq_enqueue(tp, tail);
			room = tcp_sndq_new_buffer_room(tp, tail);
		}
		n = RTE_MIN(room, len - done);
		dst = rte_pktmbuf_append(tail, (uint16_t)n);
		memcpy(dst, src + done, n);
		done += n;
		tp->sndq_bytes += n;
	}
	return done != 0 ? (int)done : err;
}

/*
 * A chain joins the send queue as its mbufs, each a buffer of its own (an
 * empty one is freed): a segment then reads one flat buffer, by reference
 * where the driver allows (tcp_tx_mode), and a frame for the device to cut
 * points into several (tcp_tso_span). An echo's chain of received segments,
 * or one coalesced segment (gro.c), goes out without a copy.
 */
void
tcp_sndq_append_mbuf(struct tcp_cb *tp, struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		if (m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
		} else {
			tcp_sndq_enqueue(tp, m);
			tp->sndq_bytes += m->data_len;
		}
		m = next;
	}
}

/* Static content is never freed by the stack (rte_mbuf_extbuf_free_callback_t). */
static void
tcp_static_done(void *addr __rte_unused, void *opaque __rte_unused)
{
}

/*
 * A send buffer over @len bytes at @data, which lie in DPDK memory: an mbuf
 * attached to them as an external buffer (its shared info in the mbuf's own
 * data room). @len stops at the end of @data's memory segment, whose IO
 * address run is contiguous. @return the mbuf, or NULL with @err set.
 */
static struct rte_mbuf *
tcp_static_buffer(struct tcp_cb *tp, const uint8_t *data, uint32_t len, int *err)
{
	const struct rte_memseg *ms = rte_mem_virt2memseg(data, NULL);
	struct rte_mbuf_ext_shared_info *shinfo;
	struct rte_mbuf *m;
	uint32_t off;

	if (ms == NULL || ms->iova == RTE_BAD_IOVA) {
		*err = -EINVAL;    /* not DPDK memory, or none a NIC could read */
		return NULL;
	}
	off = (uint32_t)(data - (const uint8_t *)ms->addr);
	len = RTE_MIN(len, (uint32_t)RTE_MIN(ms->len - off, (size_t)UINT16_MAX));
	if (!tcp_sndq_may_grow(tp)) {
		*err = 0;       /* as a full send buffer: on_sent will come */
		return NULL;
	}
	m = rte_pktmbuf_alloc(tp->tw->nif->pool);
	if (m == NULL) {
		tp->tw->stats->tcp_nombuf++;
		*err = -ENOBUFS;
		return NULL;
	}
	shinfo = rte_pktmbuf_mtod(m, struct rte_mbuf_ext_shared_info *);
	shinfo->free_cb = tcp_static_done;
	shinfo->fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, (void *)(uintptr_t)data, ms->iova + off, (uint16_t)len, shinfo);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

int
tcp_sndq_append_static(struct tcp_cb *tp, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint32_t done = 0;
	int err = 0;

	while (done < len) {
		struct rte_mbuf *m = tcp_static_buffer(tp, p + done, len - done, &err);

		if (m == NULL)
			break;
		tcp_sndq_append_mbuf(tp, m);
		done += rte_pktmbuf_data_len(m);
	}
	return done != 0 ? (int)done : err;
}

/*
 * @bytes more of the send queue are acknowledged. Buffers wholly acknowledged
 * leave the queue; one acknowledged in part stays as it is, its acknowledged
 * front counted in snd_head_off (a frame may still point into it).
 */
void
tcp_sndq_drop_acked(struct tcp_cb *tp, uint32_t bytes)
{
	uint32_t gone = tp->snd_head_off + bytes;
	struct rte_mbuf *m;

	tp->sndq_bytes -= bytes;
	while ((m = tp->sndq.head) != NULL && rte_pktmbuf_pkt_len(m) <= gone) {
		gone -= rte_pktmbuf_pkt_len(m);
		tern_mbufq_dequeue(&tp->sndq);
		if (tp->snd_cur == m)
			tp->snd_cur = NULL;
		tcp_sndq_release(tp->tw, m);
	}
	tp->snd_head_off = m != NULL ? gone : 0;
}

/*
 * The send-queue buffer holding sequence number @seq, with the sequence
 * number of its first byte in @mseq; NULL past the queue's end. The walk
 * starts at the buffer the previous segment was read from when @seq lies at
 * or past it (new data goes out in order), else at the head: a send queue of
 * hundreds of buffers is not walked from the start per segment.
 */
static struct rte_mbuf *
tcp_sndq_locate(struct tcp_cb *tp, uint32_t seq, uint32_t *mseq)
{
	struct rte_mbuf *m = tp->sndq.head;
	uint32_t s = tp->snd_una - tp->snd_head_off;

	if (tp->snd_cur != NULL && seq_geq(seq, tp->snd_cur_seq)) {
		m = tp->snd_cur;
		s = tp->snd_cur_seq;
	}
	while (m != NULL && seq - s >= rte_pktmbuf_pkt_len(m)) {
		s += rte_pktmbuf_pkt_len(m);
		m = *tern_mbufq_link(m);
	}
	if (m != NULL) {
		tp->snd_cur = m;
		tp->snd_cur_seq = s;
	}
	*mseq = s;
	return m;
}

/* Copy @len bytes of the send queue, from sequence number @seq, to @dst. */
static void
tcp_sndq_copy(struct tcp_cb *tp, uint32_t seq, uint8_t *dst, uint32_t len)
{
	uint32_t mseq;
	struct rte_mbuf *m = tcp_sndq_locate(tp, seq, &mseq);

	while (len != 0 && m != NULL) {
		uint32_t mlen = rte_pktmbuf_pkt_len(m);
		uint32_t off = seq - mseq;
		uint32_t n = RTE_MIN(len, mlen - off);
		const void *p = rte_pktmbuf_read(m, off, n, dst);

		if (p != dst)
			memcpy(dst, p, n);
		tp->snd_cur = m;
		tp->snd_cur_seq = mseq;
		dst += n;
		len -= n;
		seq += n;
		mseq += mlen;
		m = *tern_mbufq_link(m);
	}
}

/* How a segment's payload gets into its frame. */
enum tcp_tx_mode {
	TCP_TX_COPY,            /* copied into the frame after the headers */
	TCP_TX_IN_HEADROOM,     /* headers written in front of the buffer's data */
	TCP_TX_CHAINED,         /* headers in their own mbuf, the payload chained */
	TCP_TX_TSO,             /* headers in their own mbuf, a chain of carriers after */
};

/* Whether the driver of @dev reads send buffer @m where it lies (tern_netdev.tx_ref_base). */
static inline bool
tcp_tx_ref_reachable(const struct tern_netdev *dev, const struct rte_mbuf *m)
{
	uintptr_t p = (uintptr_t)m->buf_addr;

	return dev->tx_ref_end == 0 ||
		(p >= dev->tx_ref_base && p + m->buf_len <= dev->tx_ref_end);
}

/*
 * How a segment of @len bytes at @seq, with @hlen bytes of headers (Ethernet
 * included), is sent, and from which send buffer @buf at offset @off. By
 * reference only from TCP_TX_BY_REF_MIN bytes (a copy costs less than a
 * carrier) and only when the payload lies within the buffer's first segment.
 * Only from buffers the driver reads where they lie (net_memif zero-copy).
 * In front of the buffer when the segment starts it and the buffer is a
 * plain one of ours alone, with the headroom and no frame pointing into it;
 * else chained where the driver takes chains; else copied.
 */
static enum tcp_tx_mode
tcp_tx_mode(struct tcp_cb *tp, uint32_t seq, uint32_t len, uint32_t hlen,
		struct rte_mbuf **buf, uint32_t *off)
{
	uint32_t offloads = tp->tw->nif->offloads;
	struct rte_mbuf *m;
	uint32_t mseq;

	if (len < TCP_TX_BY_REF_MIN || !(offloads & TERN_NETDEV_TX_BY_REF))
		return TCP_TX_COPY;
	m = tcp_sndq_locate(tp, seq, &mseq);
	if (m == NULL || seq - mseq + len > rte_pktmbuf_data_len(m) ||
			!tcp_tx_ref_reachable(tp->tw->nif->dev, m))
		return TCP_TX_COPY;
	*buf = m;
	*off = seq - mseq;
	if (*off == 0 && RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 &&
			rte_pktmbuf_headroom(m) >= hlen && tern_mbuf_meta(m)->tx_refs == 0)
		return TCP_TX_IN_HEADROOM;
	return (offloads & TERN_NETDEV_TX_MULTI_SEG) ? TCP_TX_CHAINED : TCP_TX_COPY;
}

/* --- segment building -------------------------------------------------- */

/*
 * A carrier: an mbuf attached to send buffer @buf's memory as an external
 * buffer, its data the @n bytes from @data_off of that memory (the shared
 * info lives in the carrier's own, unused, data room: it lasts as long as the
 * carrier, so a carrier is never cloned; drivers and captures copy frames).
 * Its free callback counts the frame out of @buf.
 */
static struct rte_mbuf *
tcp_seg_carrier(struct tcp_worker *tw, struct rte_mbuf *buf, uint32_t data_off, uint32_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tw->nif->pool);
	struct rte_mbuf_ext_shared_info *shinfo;

	if (unlikely(m == NULL))
		return NULL;
	shinfo = rte_pktmbuf_mtod(m, struct rte_mbuf_ext_shared_info *);
	shinfo->free_cb = tcp_sndq_frame_done;
	shinfo->fcb_opaque = buf;
	rte_mbuf_ext_refcnt_set(shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, buf->buf_addr, buf->buf_iova, buf->buf_len, shinfo);
	m->data_off = (uint16_t)data_off;
	m->data_len = (uint16_t)n;
	m->pkt_len = n;
	tern_mbuf_meta(buf)->tx_refs++;
	return m;
}

/*
 * A fresh mbuf with @n bytes of data (IPv4 header onwards), placed so that
 * the frame, once the Ethernet header is prepended, starts on a cache line:
 * drivers that copy it (memif, tap) copy from an aligned source.
 */
static struct rte_mbuf *
tcp_seg_plain(struct tcp_worker *tw, uint32_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tw->nif->pool);

	if (unlikely(m == NULL))
		return NULL;
	m->data_off = RTE_PKTMBUF_HEADROOM + RTE_ETHER_HDR_LEN;
	if (unlikely(rte_pktmbuf_append(m, (uint16_t)n) == NULL)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* Headers in an mbuf of their own, @len bytes of @buf from @off chained. */
static struct rte_mbuf *
tcp_seg_chained(struct tcp_worker *tw, uint32_t hlen, struct rte_mbuf *buf, uint32_t off,
		uint32_t len)
{
	struct rte_mbuf *m = tcp_seg_plain(tw, hlen);
	struct rte_mbuf *p;

	if (unlikely(m == NULL))
		return NULL;
	p = tcp_seg_carrier(tw, buf, buf->data_off + off, len);
	if (unlikely(p == NULL)) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	m->next = p;
	m->nb_segs = 2;
	m->pkt_len += len;
	return m;
}

/* --- TCP segmentation offload (TERN_NETDEV_TX_TCP_TSO) ------------------ */

/* The IPv4 total length field bounds a frame: its payload, with the
 * longest headers a frame of ours may have */
#define TCP_TSO_PAYLOAD_MAX (UINT16_MAX - NET_IPV4_MIN_HLEN - TCP_HDR_MIN - TCP_OPT_MAX)
/* send buffers one frame may point into (mbufs in its chain, less one) */
#define TCP_TSO_CHAIN_MAX 64u

/*
 * Payload bytes of each segment the device cuts a frame of @tp into: the
 * MSS (options allowed for), or less where the device's segments are
 * shorter (tern_netdev.tso_frame_max).
 */
static uint32_t
tcp_tso_segsz(const struct tcp_cb *tp)
{
	uint32_t frame_max = tp->tw->nif->dev->tso_frame_max;

	return RTE_MIN((uint32_t)tp->seg_max, frame_max - tcp_frame_hdr_len(tp));
}

/*
 * The most payload one frame of @tp may carry for the device to cut into
 * segments, or 0 where none may: the device must cut TCP/IPv4 frames, and
 * take chains pointing into the send buffers; the connection's IPv4 packets
 * carry DF; every segment carries the same options, as the device copies
 * one header (no SACK blocks: @seg_room is the whole MSS).
 */
static uint32_t
tcp_tso_max(const struct tcp_cb *tp, uint32_t seg_room)
{
	const uint32_t need = TERN_NETDEV_TX_TCP_TSO | TERN_NETDEV_TX_BY_REF |
		TERN_NETDEV_TX_MULTI_SEG;
	const struct tern_netdev *dev = tp->tw->nif->dev;
	uint32_t segsz, max;

	if (likely((tp->tw->nif->offloads & need) != need) || tcp_key_is_ip6(&tp->key) ||
			(tp->flags & TF_NO_DF) || seg_room != tp->seg_max ||
			dev->tso_frame_max <= tcp_frame_hdr_len(tp))
		return 0;
	segsz = tcp_tso_segsz(tp);
	max = RTE_MIN((uint32_t)dev->tso_segs_max * segsz, (uint32_t)TCP_TSO_PAYLOAD_MAX);
	max -= max % seg_room;
	return max >= 2 * seg_room ? max : 0;
}

/*
 * Of @want bytes of the send queue from @seq, how many one frame can point
 * to: flat send buffers the driver reads where they lie, TCP_TSO_CHAIN_MAX
 * of them at most, and no more than the device chains (its header mbuf
 * takes one).
 */
static uint32_t
tcp_tso_span(struct tcp_cb *tp, uint32_t seq, uint32_t want)
{
	uint32_t mseq, got = 0;
	struct rte_mbuf *m = tcp_sndq_locate(tp, seq, &mseq);
	uint16_t dev_max = tp->tw->nif->dev->tso_chain_max;
	unsigned int max = dev_max >= 2 ? RTE_MIN(TCP_TSO_CHAIN_MAX, dev_max - 1u) :
		TCP_TSO_CHAIN_MAX;

	for (unsigned int n = 0; m != NULL && got < want && n < max; n++) {
		if (m->nb_segs != 1 || !tcp_tx_ref_reachable(tp->tw->nif->dev, m))
			break;
		got += rte_pktmbuf_data_len(m) - (seq + got - mseq);
		mseq += rte_pktmbuf_data_len(m);
		m = *tern_mbufq_link(m);
	}
	return RTE_MIN(got, want);
}

/*
 * The payload of the next frame of @tp when the device segments: up to
 * @len bytes (what the windows and the queue allow, more than one
 * segment's @seg_room), within @tso_max and what the send buffers let one
 * frame point to; whole segments, unless it ends the @avail bytes queued.
 * One segment's worth where no more fits: sent as usual.
 */
static uint32_t
tcp_tso_len(struct tcp_cb *tp, uint32_t len, uint32_t avail, uint32_t tso_max,
		uint32_t seg_room)
{
	uint32_t n = tcp_tso_span(tp, tp->snd_nxt, RTE_MIN(len, tso_max));

	if (n < avail)
		n -= n % seg_room;
	return RTE_MAX(n, seg_room);
}

/*
 * The payload of a frame the device segments: @len bytes of the send queue
 * from @seq, one carrier per send buffer (tcp_tso_span said they may).
 * @return the chain, or NULL.
 */
static struct rte_mbuf *
tcp_tso_payload(struct tcp_cb *tp, uint32_t seq, uint32_t len)
{
	struct tcp_worker *tw = tp->tw;
	struct rte_mbuf *head = NULL, *last = NULL, *b;
	uint32_t mseq;

	for (b = tcp_sndq_locate(tp, seq, &mseq); len != 0; b = *tern_mbufq_link(b)) {
		uint32_t off = seq - mseq, n = RTE_MIN(len, rte_pktmbuf_data_len(b) - off);
		struct rte_mbuf *c = tcp_seg_carrier(tw, b, b->data_off + off, n);

		if (unlikely(c == NULL)) {
			rte_pktmbuf_free(head);
			return NULL;
		}
		if (head == NULL) {
			head = c;
		} else {
			last->next = c;
			head->nb_segs++;
			head->pkt_len += n;
		}
		last = c;
		seq += n;
		len -= n;
		mseq += rte_pktmbuf_data_len(b);
	}
	return head;
}

/*
 * RFC 6437 §3: the flow label of connection @k6, the same on all its
 * packets and not to be guessed from outside: SipHash of its key under a
 * per-worker secret (a CRC would give the secret away from one label),
 * 20 bits, never 0 (no label).
 */
static uint32_t
tcp_flow_label(const struct tcp_worker *tw, const struct tcp_key6 *k6)
{
	uint32_t label = (uint32_t)tern_siphash24(tw->flow_label_secret, k6, sizeof(*k6)) &
		0xfffff;

	return label != 0 ? label : 1;
}

/* The IPv6 header of a segment on @k6 (kept out of the IPv4 path's way). */
static __rte_noinline void
tcp_ip6_hdr_fill(struct tcp_worker *tw, struct rte_mbuf *m, const struct tcp_key6 *k6,
		uint16_t l4_len)
{
	struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);

	net_ipv6_hdr_fill(ip, k6->laddr, k6->raddr, IPPROTO_TCP, l4_len, tw->nif->ip6_hop_limit);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | tcp_flow_label(tw, k6));
	m->l3_len = sizeof(struct rte_ipv6_hdr);
}

/* Fill the IP header at the front of @m for @l4_len bytes of TCP on @key. */
static inline void
tcp_ip_hdr_fill(struct tcp_worker *tw, struct rte_mbuf *m, const struct tcp_key *key,
		uint16_t l4_len)
{
	if (unlikely(tcp_key_is_ip6(key))) {
		tcp_ip6_hdr_fill(tw, m, tcp_key6_of(key), l4_len);
		return;
	}
	net_ipv4_hdr_fill(tw->nif, rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *), key->laddr,
			key->raddr, IPPROTO_TCP, l4_len);
	m->l3_len = sizeof(struct rte_ipv4_hdr);
}

/*
 * Allocate and fill IP + TCP headers for a segment of @len payload bytes,
 * sent as @mode says from @buf at @off; for a copy the payload area is
 * reserved after the headers, for the caller to fill through @payload.
 * @return the mbuf or NULL.
 */
static struct rte_mbuf *
tcp_seg_alloc(struct tcp_worker *tw, const struct tcp_key *key, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t wnd, const uint8_t *opts, unsigned int optlen,
		uint32_t len, enum tcp_tx_mode mode, struct rte_mbuf *buf, uint32_t off,
		uint8_t **payload)
{
	unsigned int thlen = TCP_HDR_MIN + optlen;
	uint32_t hlen = tcp_ip_hlen(key) + thlen;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;

	switch (mode) {
	case TCP_TX_IN_HEADROOM:
		m = tcp_seg_carrier(tw, buf, buf->data_off - hlen, hlen + len);
		break;
	case TCP_TX_CHAINED:
		m = tcp_seg_chained(tw, hlen, buf, off, len);
		break;
	case TCP_TX_TSO:
		/* @buf is the payload's chain (tcp_tso_payload, NULL if it
		 * could not be built): the frame's, or freed here */
		m = buf != NULL ? tcp_seg_plain(tw, hlen) : NULL;
		if (likely(m != NULL)) {
			m->next = buf;
			m->nb_segs = (uint16_t)(1 + buf->nb_segs);
			m->pkt_len += len;
		} else {
			rte_pktmbuf_free(buf);
		}
		break;
	default:
		m = tcp_seg_plain(tw, hlen + len);
		break;
	}
	if (unlikely(m == NULL)) {
		tw->stats->tcp_nombuf++;
		return NULL;
	}
	tcp_ip_hdr_fill(tw, m, key, (uint16_t)(thlen + len));
	th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, m->l3_len);
	th->src_port = key->lport;
	th->dst_port = key->rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32((flags & TH_ACK) ? ack : 0);
	th->data_off = (uint8_t)((thlen / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (optlen != 0)
		memcpy(th + 1, opts, optlen);
	m->l4_len = thlen;
	if (mode == TCP_TX_COPY)
		*payload = (uint8_t *)th + thlen;
	return m;
}

/* The pseudo-header sum of the IPv6 segment @m (out of the IPv4 path's way). */
static __rte_noinline uint32_t
tcp_ip6_pseudo_sum(const struct rte_mbuf *m, uint16_t l4_len)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);

	return net_ipv6_pseudo_sum(ip->src_addr, ip->dst_addr, IPPROTO_TCP, l4_len);
}

/*
 * Hand frame @m with @len payload bytes to the device to cut into segments
 * of @segsz (TCP/IPv4 only). DPDK's rule for the TCP checksum field of such
 * a frame: the pseudo-header sum without the length, which differs per
 * segment. Each segment counts as one sent. Consumes @m.
 */
static __rte_noinline void
tcp_tso_send(struct tcp_worker *tw, struct rte_mbuf *m, uint32_t len, uint32_t segsz)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, m->l3_len);
	uint32_t segs = (len + segsz - 1) / segsz;

	th->cksum = __rte_raw_cksum_reduce(net_cksum_pseudo(ip->src_addr, ip->dst_addr,
			IPPROTO_TCP, 0));
	m->tso_segsz = (uint16_t)segsz;
	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	tw->stats->tcp_tx_tso_frames++;
	tw->stats->tcp_tx_segs += segs;
	tw->stats->tcp_tx_data_segs += segs;
	tw->stats->tcp_tx_bytes += len;
	net_ipv4_output(tw->nif, m);
}

/* Checksum (or ask the NIC to) and send. Consumes @m. */
static void
tcp_seg_send(struct tcp_worker *tw, struct rte_mbuf *m, uint32_t len, uint8_t flags)
{
	struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, struct rte_tcp_hdr *, m->l3_len);
	uint16_t l4_len = (uint16_t)(m->l4_len + len);
	bool ip6 = unlikely(m->l3_len == sizeof(struct rte_ipv6_hdr));
	uint32_t ph;

	if (likely(!ip6)) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

		ph = net_cksum_pseudo(ip->src_addr, ip->dst_addr, IPPROTO_TCP, l4_len);
	} else {
		ph = tcp_ip6_pseudo_sum(m, l4_len);
	}

	if (tw->nif->offloads & TERN_NETDEV_L4_TRUSTED) {
		/* a trusted shared-memory peer checks nothing: the pseudo-header
		 * sum only, as a NIC offload would leave it (Linux CHECKSUM_PARTIAL) */
		th->cksum = __rte_raw_cksum_reduce(ph);
	} else if (tw->nif->offloads & TERN_NETDEV_TX_TCP_CKSUM) {
		/* the NIC wants the pseudo-header sum in place (rte_mbuf_core.h) */
		th->cksum = __rte_raw_cksum_reduce(ph);
		m->ol_flags |= (ip6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4) |
			RTE_MBUF_F_TX_TCP_CKSUM;
	} else if (m->nb_segs > 1) {
		th->cksum = (uint16_t)~net_cksum_mbuf(m, m->l3_len, l4_len, ph);
		if (th->cksum == 0)
			th->cksum = 0xffff;
	} else {
		th->cksum = (uint16_t)~net_cksum_raw(th, l4_len, ph);
		if (th->cksum == 0)
			th->cksum = 0xffff;
	}
	tw->stats->tcp_tx_segs++;
	if (len != 0) {
		tw->stats->tcp_tx_data_segs++;
		tw->stats->tcp_tx_bytes += len;
	} else if ((flags & (TH_SYN | TH_FIN | TH_RST)) == 0) {
		tw->stats->tcp_tx_ack_only++;
	}
	if (unlikely(ip6))
		net_ipv6_output(tw->nif, m);
	else
		net_ipv4_output(tw->nif, m);
}

uint32_t
tcp_rcv_window(struct tcp_cb *tp)
{
	uint32_t rcvbuf = tp->rcvbuf;
	uint32_t used = tp->reass_bytes + tp->rcv_held;
	uint32_t space = rcvbuf > used ? rcvbuf - used : 0;
	uint32_t cur = seq_gt(tp->rcv_adv, tp->rcv_nxt) ? tp->rcv_adv - tp->rcv_nxt : 0;
	uint32_t max_field = 65535u << tp->rcv_wscale;

	/* RFC 9293 §3.8.6.2.2: move the right edge only by a useful amount */
	if (space > cur && space - cur < RTE_MIN(rcvbuf / 2, (uint32_t)tp->seg_max))
		space = cur;
	/* RFC 9293 §3.8.6: a receiver SHOULD NOT shrink the offered window */
	space = RTE_MAX(space, cur);
	return RTE_MIN(space, max_field);
}

/*
 * Payload bytes one segment may carry now: the MSS less every option it will
 * carry. seg_max allows for timestamps; SACK blocks, sent while we hold
 * out-of-order data, take 4 + 8 per block more (RFC 2018 §3).
 */
uint32_t
tcp_payload_room(const struct tcp_cb *tp)
{
	uint32_t edges[2 * TCP_SACK_MAX_BLOCKS];
	unsigned int nb;

	if (!(tp->flags & TF_SACK) || tp->reass.len == 0)
		return tp->seg_max;
	nb = tcp_reass_sack_blocks(tp, edges, (tp->flags & TF_TS) ? 3 : 4);
	return nb == 0 ? tp->seg_max : tp->seg_max - (4 + 8 * nb);
}

/* An ACK went out: whatever ACK was owed is paid. */
static void
tcp_ack_sent(struct tcp_cb *tp, uint32_t wnd)
{
	tp->flags &= ~(TF_ACKNOW | TF_DELACK);
	tp->segs_unacked = 0;
	tcp_timer_stop(tp, TT_DELACK);
	tp->rcv_wnd = wnd;
	tp->rcv_adv = tp->rcv_nxt + wnd;
}

/*
 * A segment of @tp could not be built for lack of mbufs: try the output
 * again shortly. Nothing else may: with nothing in flight no retransmission
 * timer runs, and a SYN not sent arms none. One try per connection per
 * TCP_NOMBUF_RETRY_US bounds what an empty pool costs (no spinning on it).
 */
static void
tcp_nombuf_retry(struct tcp_cb *tp)
{
	if (!(tp->flags & TF_NOMBUF))
		tcp_timer_output_retry(tp, tp->tw->nif->now_us + TCP_NOMBUF_RETRY_US);
}

/*
 * Send one segment of @tp at @seq with @len bytes of the send queue and
 * @flags. Does not move snd_nxt. The payload goes by reference to its send
 * buffer or as a copy (tcp_tx_mode). @return 0 or -ENOBUFS (output retried
 * later, tcp_nombuf_retry).
 */
static int
tcp_send_segment(struct tcp_cb *tp, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct tcp_worker *tw = tp->tw;
	uint8_t opts[TCP_OPT_MAX];
	unsigned int optlen;
	uint32_t wnd = tcp_rcv_window(tp);
	uint16_t wfield;
	enum tcp_tx_mode mode;
	struct rte_mbuf *m, *buf = NULL;
	uint32_t off = 0;
	uint8_t *payload = NULL;

	if (flags & TH_SYN) {
		optlen = tcp_opt_build_syn(tp, opts, flags & TH_ACK);
		/* RFC 7323 §2.2: the window in a SYN is never scaled */
		wfield = (uint16_t)RTE_MIN(wnd, 65535u);
	} else {
		optlen = tcp_opt_build(tp, opts);
		wfield = (uint16_t)(wnd >> tp->rcv_wscale);
	}
	if (unlikely(len > tp->seg_max)) {
		/* more than a segment: only ever for the device to cut (tcp_output) */
		mode = TCP_TX_TSO;
		buf = tcp_tso_payload(tp, seq, len);
	} else {
		mode = tcp_tx_mode(tp, seq, len, RTE_ETHER_HDR_LEN + tcp_ip_hlen(&tp->key) +
				TCP_HDR_MIN + optlen, &buf, &off);
	}
	m = tcp_seg_alloc(tw, &tp->key, seq, tp->rcv_nxt, flags, wfield, opts, optlen,
			len, mode, buf, off, &payload);
	if (m == NULL) {
		tcp_nombuf_retry(tp);
		return -ENOBUFS;
	}
	if (unlikely(tp->flags & TF_NO_DF))
		net_ipv4_clear_df(tw->nif, rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *));
	if (mode != TCP_TX_COPY)
		tw->stats->tcp_tx_by_ref++;
	else if (len != 0)
		tcp_sndq_copy(tp, seq, payload, len);
	if (flags & TH_ACK)
		tcp_ack_sent(tp, (flags & TH_SYN) ? wfield : wfield << tp->rcv_wscale);
	tp->segs_out++;
	if (unlikely(mode == TCP_TX_TSO))
		tcp_tso_send(tw, m, len, tcp_tso_segsz(tp));
	else
		tcp_seg_send(tw, m, len, flags);
	return 0;
}

/* The SYN or SYN-ACK of @tp (RFC 9293 §3.5). */
static void
tcp_output_syn(struct tcp_cb *tp)
{
	uint8_t flags = tp->state == TERN_TCP_SYN_SENT ? TH_SYN : TH_SYN | TH_ACK;

	if (tp->snd_nxt != tp->iss) {
		/* SYN already out: only an owed ACK (SYN_RECEIVED) */
		if ((tp->flags & TF_ACKNOW) && tp->state == TERN_TCP_SYN_RECEIVED)
			tcp_send_segment(tp, tp->snd_max, 0, TH_ACK);
		return;
	}
	if (tcp_send_segment(tp, tp->iss, 0, flags) != 0)
		return;
	if (tp->flags & TF_SYN_SENT) {
		tp->tw->stats->tcp_rexmt_segs++;
		tp->retransmits++;
		tp->flags &= ~TF_RTT_TIMING;    /* Karn: no sample from a resend */
	} else {
		/* RFC 6298 §2.2: the handshake gives the first measurement,
		 * timestamps or not (tcp_rtt_after_handshake) */
		tp->flags |= TF_RTT_TIMING;
		tp->rtt_seq = tp->iss;
		tp->rtt_start_lo = (uint32_t)tp->tw->nif->now_us;
	}
	tp->flags |= TF_SYN_SENT;
	tp->snd_nxt = tp->iss + 1;
	if (seq_gt(tp->snd_nxt, tp->snd_max))
		tp->snd_max = tp->snd_nxt;
	if (tp->deadline[TT_REXMT] == UINT64_MAX)
		tcp_rexmt_arm(tp);
}

static bool
tcp_state_sends_fin(uint8_t state)
{
	return state == TERN_TCP_FIN_WAIT_1 || state == TERN_TCP_CLOSING ||
		state == TERN_TCP_LAST_ACK;
}

/* Zero window and nothing in flight: probe later (RFC 9293 §3.8.6.1). */
static void
tcp_persist_arm(struct tcp_cb *tp)
{
	if (tp->deadline[TT_PERSIST] != UINT64_MAX || tp->deadline[TT_REXMT] != UINT64_MAX)
		return;
	/* a new episode with nothing outstanding: data waits on a shut window
	 * from now (after an RTO at a shut window, the wait goes on) */
	if (tp->persist_shift == 0 && tp->snd_una == tp->snd_max)
		tcp_progress(tp);
	tcp_persist_set(tp);
}

/* --- corked output (tern_conn_set_cork, tern_conn_set_more) ------------- */

/* Whether a short last segment of new data waits now: corked, and no push owed. */
static inline bool
tcp_corked(const struct tcp_cb *tp)
{
	return (tp->flags & (TF_CORK | TF_MORE)) && !(tp->flags & TF_PUSH);
}

/*
 * After a whole output pass of a held connection (one cut short by the
 * device or the pool leaves all to its retry): the push owed is done; a
 * short segment @held back starts the ceiling (TERN_CORK_MAX_MS) if none
 * runs; the ceiling stops once no hold is on or all data is sent, and
 * otherwise (the window or RFC 9293's small-segment rule kept data back)
 * runs on.
 */
static void
tcp_cork_timer(struct tcp_cb *tp, bool held)
{
	tp->flags &= ~TF_PUSH;
	if (held) {
		if (tp->deadline[TT_CORK] == UINT64_MAX)
			tcp_timer_set(tp, TT_CORK, tp->tw->nif->now_us + TERN_CORK_MAX_MS * 1000ull);
	} else if (!(tp->flags & (TF_CORK | TF_MORE)) ||
			seq_geq(tp->snd_max, tp->snd_una + tp->sndq_bytes)) {
		if (tp->state != TERN_TCP_FIN_WAIT_2)  /* the slot is FIN_WAIT_2's there */
			tcp_timer_stop(tp, TT_CORK);
	}
}

void
tcp_output(struct tcp_cb *tp)
{
	bool sent = false, deferred = false, held = false, failed = false;

	switch (tp->state) {
	case TERN_TCP_CLOSED:
	case TERN_TCP_LISTEN:
	case TERN_TCP_TIME_WAIT:
		return;
	case TERN_TCP_SYN_SENT:
	case TERN_TCP_SYN_RECEIVED:
		/* no data goes yet: a push asked now has nothing to send (as
		 * on Linux), and must not let the first held segment go */
		tp->flags &= ~TF_PUSH;
		tcp_output_syn(tp);
		return;
	default:
		break;
	}
	/* the options a segment carries do not change within one call: work
	 * out the payload room once, not per segment */
	const uint32_t seg_room = tcp_payload_room(tp);
	/* and whether the device may cut frames of several segments */
	const uint32_t tso_max = tcp_tso_max(tp, seg_room);

	if (tp->snd_una == tp->snd_max && tp->last_send_us != 0 &&
			tp->tw->nif->now_us - tp->last_send_us > tp->rto_us)
		tcp_cc_restart_after_idle(tp);
	for (;;) {
		uint32_t room = UINT32_MAX;
		uint32_t off, avail, wnd, usable, len;
		bool fin;
		uint8_t flags = TH_ACK;

		if (tp->nsb != 0 && seq_lt(tp->snd_nxt, tp->snd_max))
			/* resending after an RTO: what the receiver SACKed stays out */
			tp->snd_nxt = tcp_sack_skip(tp, tp->snd_nxt, &room);
		off = tp->snd_nxt - tp->snd_una;
		avail = off < tp->sndq_bytes ? tp->sndq_bytes - off : 0;
		wnd = RTE_MIN(tp->snd_wnd, tp->cwnd + tp->lt_extra);
		usable = wnd > off ? wnd - off : 0;
		len = RTE_MIN(avail, usable);
		if (len > seg_room)
			/* new data only (a resend is cut to the holes it fills) */
			len = tso_max != 0 && tp->snd_nxt == tp->snd_max ?
				tcp_tso_len(tp, len, avail, tso_max, seg_room) : seg_room;
		len = RTE_MIN(len, room);
		/* the FIN rides on a segment, never on a frame to be cut */
		fin = (tp->flags & TF_FIN_QUEUED) && tcp_state_sends_fin(tp->state) &&
			tp->snd_nxt + len == tp->snd_una + tp->sndq_bytes && len <= seg_room;

		if (len == 0 && !fin)
			break;
		/* RFC 9293 §3.8.6.2.1: no small segment while more data waits,
		 * unless nothing is in flight or it is half the peer's window */
		if (len < seg_room && len < avail && tp->snd_nxt != tp->snd_una &&
				len < tp->max_sndwnd / 2)
			break;
		/* corked: whole segments of the last new data go (a frame to be
		 * cut too), the short rest waits for more, the uncork or the
		 * ceiling; a FIN queued takes it along (tested on the flag: a
		 * frame for the device to cut carries none) */
		if (unlikely(tcp_corked(tp)) && len % seg_room != 0 &&
				!((tp->flags & TF_FIN_QUEUED) && tcp_state_sends_fin(tp->state)) &&
				off + len == tp->sndq_bytes && tp->snd_nxt == tp->snd_max) {
			held = true;
			len -= len % seg_room;
			if (len == 0)
				break;
		}
		if (len != 0 && off + len == tp->sndq_bytes && !(tp->flags & TF_MORE))
			flags |= TH_PSH;
		if (fin)
			flags |= TH_FIN;
		if (unlikely(net_tx_blocked(tp->tw->nif))) {
			tcp_output_defer(tp);
			deferred = true;
			break;
		}
		if (tcp_send_segment(tp, tp->snd_nxt, len, flags) != 0) {
			failed = true;
			break;
		}
		sent = true;
		if (seq_lt(tp->snd_nxt, tp->snd_max)) {
			tp->tw->stats->tcp_rexmt_segs++;
			tp->retransmits++;
		} else if (len != 0 && !(tp->flags & (TF_TS | TF_RTT_TIMING))) {
			/* RFC 6298 §3 with Karn: time one new segment at a time */
			tp->flags |= TF_RTT_TIMING;
			tp->rtt_seq = tp->snd_nxt;
			tp->rtt_start_lo = (uint32_t)tp->tw->nif->now_us;
		}
		if (tp->snd_max == tp->snd_una)
			tcp_progress(tp);       /* nothing was outstanding: none waits yet */
		tp->snd_nxt += len + fin;
		tp->last_send_us = tp->tw->nif->now_us;
		if (fin)
			tp->flags |= TF_FIN_SENT;
		if (seq_gt(tp->snd_nxt, tp->snd_max))
			tp->snd_max = tp->snd_nxt;
		if (tp->deadline[TT_REXMT] == UINT64_MAX)
			tcp_rexmt_arm(tp);
		tcp_timer_stop(tp, TT_PERSIST);
		if (fin)
			break;
	}
	/* RFC 8985 §7.2: a probe timeout restarts after new data; once per
	 * pass (the clock is the same for every segment of it) */
	if (sent && (tp->flags & TF_TLP_ARMED))
		tcp_rexmt_arm(tp);
	if (unlikely(tp->flags & (TF_CORK | TF_MORE | TF_PUSH)) && !deferred && !failed)
		tcp_cork_timer(tp, held);
	if (!sent && !deferred && (tp->flags & TF_ACKNOW)) {
		if (unlikely(net_tx_blocked(tp->tw->nif)))
			tcp_output_defer(tp);
		else
			tcp_send_segment(tp, tp->snd_max, 0, TH_ACK);
	}
	/* RFC 9293 §3.8.6.3: an ACK still owed once the application had its
	 * turn waits at most delack_us, counted from the first segment it covers */
	if ((tp->flags & TF_DELACK) && tp->deadline[TT_DELACK] == UINT64_MAX)
		tcp_timer_set(tp, TT_DELACK, tp->tw->nif->now_us + tp->tw->p.delack_us);
	/* a zero window with data waiting and no timer that will send: probe
	 * it (RFC 9293 §3.8.6.1). Also after an RTO at zero window, which
	 * wound SND.NXT back and left nothing armed */
	if (tp->snd_wnd == 0 && tp->snd_nxt == tp->snd_una && tp->sndq_bytes != 0 &&
			(tp->snd_una == tp->snd_max || tp->deadline[TT_REXMT] == UINT64_MAX))
		tcp_persist_arm(tp);
	/* RFC 6298 (5.1): while data is outstanding a retransmission timer
	 * runs. A pass that sent nothing (a SACKed head skipped, a small
	 * segment held back after persist ended) must not leave it off: found
	 * by fuzz_tcp_seq, a connection in FIN_WAIT_1 stalled for good */
	if (tp->snd_una != tp->snd_max && tp->deadline[TT_REXMT] == UINT64_MAX &&
			tp->deadline[TT_PERSIST] == UINT64_MAX)
		tcp_rexmt_arm(tp);
}

uint32_t
tcp_retransmit_range(struct tcp_cb *tp, uint32_t seq, uint32_t len)
{
	uint32_t off = seq - tp->snd_una;
	uint8_t flags = TH_ACK;

	/* a retransmission: never past what was sent (SND.MAX, less our FIN),
	 * the data, or the MSS (options included); the FIN rides along when
	 * the range reaches it */
	uint32_t sent = tp->snd_max - tp->snd_una - !!(tp->flags & TF_FIN_SENT);

	len = RTE_MIN(len, tcp_payload_room(tp));
	len = off < sent ? RTE_MIN(len, sent - off) : 0;
	len = off < tp->sndq_bytes ? RTE_MIN(len, tp->sndq_bytes - off) : 0;
	if ((tp->flags & TF_FIN_SENT) && off + len == tp->sndq_bytes)
		flags |= TH_FIN;
	if (len == 0 && !(flags & TH_FIN))
		return 0;
	if (tcp_send_segment(tp, seq, len, flags) != 0)
		return 0;
	tp->tw->stats->tcp_rexmt_segs++;
	tp->retransmits++;
	return len + !!(flags & TH_FIN);
}

/*
 * Pure ACKs carry SND.MAX, not SND.NXT: after a timeout SND.NXT goes back to
 * SND.UNA, below what the peer may already have received; an ACK numbered
 * there is unacceptable to the peer, whose own ACK in reply is unacceptable
 * here, and the two trade ACKs forever (seen in the simulator, loss5 seed
 * 81). SND.MAX is never below the peer's RCV.NXT.
 */
void
tcp_send_ack_now(struct tcp_cb *tp)
{
	tcp_send_segment(tp, tp->snd_max, 0, TH_ACK);
}

uint32_t
tcp_retransmit_first(struct tcp_cb *tp)
{
	return tcp_retransmit_range(tp, tp->snd_una, tp->seg_max);
}

void
tcp_send_probe_byte(struct tcp_cb *tp)
{
	/* RFC 9293 §3.8.6.1: one octet past the zero window. A first probe is
	 * new data and moves SND.NXT (an ACK for it is then an ACK of sent
	 * data); later ones resend that octet */
	if (tp->sndq_bytes == 0) {
		tcp_send_segment(tp, tp->snd_max, 0, TH_ACK);
		return;
	}
	if (tcp_send_segment(tp, tp->snd_una, 1, TH_ACK) == 0 && tp->snd_nxt == tp->snd_una) {
		tp->snd_nxt++;
		if (seq_gt(tp->snd_nxt, tp->snd_max))
			tp->snd_max = tp->snd_nxt;
	}
}

void
tcp_send_keepalive(struct tcp_cb *tp)
{
	/* RFC 9293 §3.8.4: SEG.SEQ = SND.NXT - 1, no data: the peer must ACK */
	struct rte_mbuf *m;
	uint8_t opts[TCP_OPT_MAX], *payload;
	unsigned int optlen = tcp_opt_build(tp, opts);

	m = tcp_seg_alloc(tp->tw, &tp->key, tp->snd_una - 1, tp->rcv_nxt, TH_ACK,
			(uint16_t)(tcp_rcv_window(tp) >> tp->rcv_wscale), opts, optlen, 0,
			TCP_TX_COPY, NULL, 0, &payload);
	if (m != NULL)
		tcp_seg_send(tp->tw, m, 0, TH_ACK);
}

/* A control segment with no connection behind it (RST, TIME_WAIT ACK). */
static void
tcp_send_ctl(struct tcp_worker *tw, const struct tcp_key *key, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t wnd, const uint8_t *opts, unsigned int optlen)
{
	uint8_t *payload;
	struct rte_mbuf *m = tcp_seg_alloc(tw, key, seq, ack, flags, wnd, opts, optlen, 0,
			TCP_TX_COPY, NULL, 0, &payload);

	if (m == NULL)
		return;
	if (flags & TH_RST)
		tw->stats->tcp_rst_sent++;
	tcp_seg_send(tw, m, 0, flags);
}

void
tcp_send_rst(struct tcp_cb *tp)
{
	tcp_send_ctl(tp->tw, &tp->key, tp->snd_nxt, 0, TH_RST, 0, NULL, 0);
}

void
tcp_send_rst_for(struct tcp_worker *tw, const struct tcp_key *key, const struct tcp_seg *seg)
{
	/* RFC 9293 §3.10.7.1: never answer a RST; take the ACK's number if
	 * there is one, else acknowledge everything the segment occupied */
	if (seg->flags & TH_RST)
		return;
	if (seg->flags & TH_ACK)
		tcp_send_ctl(tw, key, seg->ack, 0, TH_RST, 0, NULL, 0);
	else
		tcp_send_ctl(tw, key, 0, seg->seq + tcp_seg_seqlen(seg), TH_RST | TH_ACK,
				0, NULL, 0);
}

void
tcp_send_cookie_synack(struct tcp_worker *tw, const struct tcp_key *key,
		const struct tcp_seg *syn, uint32_t iss, uint32_t rcvbuf, uint16_t mss)
{
	const struct tcp_params *p = &tw->p;
	bool ts = syn->has_ts && p->timestamps;
	bool sack = ts && syn->sack_ok && p->sack;    /* remembered only through TSval */
	/* the window scale and SACK-permitted live on only in the TSval */
	const struct tcp_syn_opts o = {
		.mss = mss,
		.sack_ok = sack,
		.ts = ts,
		.tsval = ts ? tcp_syncookie_tsval(tcp_ts_now(tw) + tcp_ts_offset(tw, key), syn,
				sack) : 0,
		.tsecr = syn->tsval,
		.ws = ts && syn->has_ws && p->window_scaling,
		.wscale = p->rcv_wscale,
	};
	uint8_t opts[TCP_OPT_MAX];
	unsigned int n = tcp_opt_write_syn(opts, &o);

	tw->stats->tcp_syncookies_sent++;
	tcp_send_ctl(tw, key, iss, syn->seq + 1, TH_SYN | TH_ACK,
			(uint16_t)RTE_MIN(rcvbuf, 65535u), opts, n);
}

void
tcp_timewait_send_ack(struct tcp_worker *tw, struct tcp_timewait *t)
{
	uint8_t opts[12];
	unsigned int optlen = 0;

	if (t->has_ts)
		optlen = tcp_opt_write_ts(opts, tcp_ts_now(tw) + t->ts_offset, t->ts_recent);
	tcp_send_ctl(tw, &t->key, t->snd_nxt, t->rcv_nxt, TH_ACK, t->rcv_wnd, opts, optlen);
}
