/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * drivers/sim links: a wire between two sim devices with seeded faults.
 *
 * Frames taken from a sender get a delivery time (rate limit queue, delay,
 * jitter, reordering) and wait in a min-heap ordered by (time, sequence), so
 * delivery order is a pure function of the seed and the traffic. The PRNG is
 * splitmix64, one stream per link. Frames are taken from every queue of a
 * sender, queue by queue in order, and delivered to the queue the
 * receiver's spread mode picks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "tern_sim.h"

#define LINK_HEAP_MAX 65536

struct flight {
	uint64_t when;           /**< delivery time */
	uint64_t seq;            /**< tiebreak: order of scheduling */
	struct rte_mbuf *m;
	uint8_t dir;
};

struct link_dir {
	struct tern_sim_fault f;
	struct tern_sim_link_stats st;
	uint64_t busy_until;     /**< rate limit: when the wire is free */
	uint64_t last_when;      /**< jitter keeps order: not before the previous */
	uint32_t burst_left;     /**< frames still to drop in a loss burst */
	uint32_t queued;         /**< frames waiting for the wire (rate limit) */
};

struct tern_sim_link {
	struct tern_netdev *dev[2];
	struct link_dir d[2];
	uint64_t rng;
	uint64_t seq;
	uint32_t n;
	FILE *pcap;
	struct flight heap[LINK_HEAP_MAX];
};

static uint64_t
rng_next(struct tern_sim_link *l)
{
	uint64_t z = (l->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
rng_unit(struct tern_sim_link *l)
{
	return (double)(rng_next(l) >> 11) * (1.0 / 9007199254740992.0);
}

static bool
flight_before(const struct flight *a, const struct flight *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

static bool
heap_push(struct tern_sim_link *l, const struct flight *f)
{
	uint32_t i;

	if (l->n == LINK_HEAP_MAX)
		return false;
	i = l->n++;
	while (i > 0 && flight_before(f, &l->heap[(i - 1) / 2])) {
		l->heap[i] = l->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	l->heap[i] = *f;
	return true;
}

static struct flight
heap_pop(struct tern_sim_link *l)
{
	struct flight top = l->heap[0], last = l->heap[--l->n];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= l->n)
			break;
		if (c + 1 < l->n && flight_before(&l->heap[c + 1], &l->heap[c]))
			c++;
		if (!flight_before(&l->heap[c], &last))
			break;
		l->heap[i] = l->heap[c];
		i = c;
	}
	if (l->n != 0)
		l->heap[i] = last;
	return top;
}

struct tern_sim_link *
tern_sim_link_create(struct tern_netdev *a, struct tern_netdev *b, uint64_t seed)
{
	struct tern_sim_link *l;

	if (a == NULL || b == NULL || a == b) {
		rte_errno = EINVAL;
		return NULL;
	}
	l = rte_zmalloc("tern_sim_link", sizeof(*l), RTE_CACHE_LINE_SIZE);
	if (l == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	l->dev[0] = a;
	l->dev[1] = b;
	l->rng = seed;
	return l;
}

void
tern_sim_link_set_faults(struct tern_sim_link *l, int dir, const struct tern_sim_fault *f)
{
	l->d[dir & 1].f = *f;
}

static void
pcap_write(struct tern_sim_link *l, uint64_t now, const struct rte_mbuf *m)
{
	uint8_t buf[RTE_MBUF_DEFAULT_BUF_SIZE];
	uint32_t len = rte_pktmbuf_pkt_len(m), cap = RTE_MIN(len, (uint32_t)sizeof(buf));
	uint32_t rec[4] = { (uint32_t)(now / 1000000), (uint32_t)(now % 1000000), cap, len };
	const void *p = rte_pktmbuf_read(m, 0, cap, buf);

	fwrite(rec, sizeof(rec), 1, l->pcap);
	fwrite(p, 1, cap, l->pcap);
}

int
tern_sim_link_pcap(struct tern_sim_link *l, const char *path)
{
	/* classic pcap: magic, v2.4, zone 0, sigfigs 0, snaplen, Ethernet */
	const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };

	if (l->pcap != NULL)
		fclose(l->pcap);
	l->pcap = NULL;
	if (path == NULL)
		return 0;
	l->pcap = fopen(path, "wb");
	if (l->pcap == NULL)
		return -errno;
	fwrite(hdr, sizeof(hdr), 1, l->pcap);
	return 0;
}

/* Decide the fate of one frame sent in direction @dir at @now. Consumes @m. */
static void
link_send(struct tern_sim_link *l, int dir, struct rte_mbuf *m, uint64_t now)
{
	struct link_dir *d = &l->d[dir];
	const struct tern_sim_fault *f = &d->f;
	struct flight fl = { .m = m, .dir = (uint8_t)dir };
	uint64_t start = now;

	d->st.sent++;
	/* the wire takes a chained frame as one run of bytes */
	m = fl.m = tern_sim_flatten(m);
	if (m == NULL) {
		d->st.queue_drops++;
		return;
	}
	if (l->pcap != NULL)
		pcap_write(l, now, m);
	if (d->burst_left != 0 || (f->drop > 0 && rng_unit(l) < f->drop)) {
		if (d->burst_left == 0)
			d->burst_left = f->drop_burst > 1 ? f->drop_burst : 1;
		d->burst_left--;
		d->st.dropped++;
		rte_pktmbuf_free(m);
		return;
	}
	if (f->rate_bps != 0) {
		uint32_t qmax = f->queue_frames != 0 ? f->queue_frames : 64;
		uint64_t ser = (uint64_t)rte_pktmbuf_pkt_len(m) * 8 * 1000000 / f->rate_bps;

		/* frames waiting for the wire: what is ahead of us in time */
		if (d->busy_until > now &&
				(d->busy_until - now) / (ser != 0 ? ser : 1) >= qmax) {
			d->st.queue_drops++;
			rte_pktmbuf_free(m);
			return;
		}
		start = RTE_MAX(now, d->busy_until);
		d->busy_until = start + ser;
		start = d->busy_until;
	}
	fl.when = start + f->delay_us;
	if (f->jitter_us != 0)
		fl.when += rng_next(l) % (f->jitter_us + 1);
	/* jitter alone keeps order (a wire does); reordering is its own fault */
	if (fl.when < d->last_when)
		fl.when = d->last_when;
	d->last_when = fl.when;
	if (f->reorder > 0 && rng_unit(l) < f->reorder) {
		fl.when += 1 + rng_next(l) % (f->reorder_us != 0 ? f->reorder_us : 1000);
		d->st.reordered++;
	}
	if (f->corrupt > 0 && rng_unit(l) < f->corrupt) {
		uint32_t len = rte_pktmbuf_data_len(m);
		uint32_t bit = (uint32_t)(rng_next(l) % ((uint64_t)len * 8));

		/* flip a bit past the Ethernet header, where a checksum sees it */
		if (len > 14) {
			bit = 14 * 8 + bit % ((len - 14) * 8);
			rte_pktmbuf_mtod(m, uint8_t *)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			d->st.corrupted++;
		}
	}
	if (f->dup > 0 && rng_unit(l) < f->dup) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		struct flight dupl = fl;

		if (c != NULL) {
			dupl.m = c;
			dupl.seq = l->seq++;
			dupl.when += 1;
			if (heap_push(l, &dupl))
				d->st.duplicated++;
			else
				rte_pktmbuf_free(c);
		}
	}
	fl.seq = l->seq++;
	if (!heap_push(l, &fl)) {
		d->st.queue_drops++;
		rte_pktmbuf_free(m);
	}
}

unsigned int
tern_sim_link_step(struct tern_sim_link *l, uint64_t now_us)
{
	struct rte_mbuf *pkts[64];
	unsigned int moved = 0;

	for (int dir = 0; dir < 2; dir++) {
		for (uint16_t q = 0; q < tern_sim_nb_queues(l->dev[dir]); q++) {
			uint16_t n;

			while ((n = tern_sim_take_tx(l->dev[dir], q, pkts, RTE_DIM(pkts))) != 0) {
				for (uint16_t i = 0; i < n; i++)
					link_send(l, dir, pkts[i], now_us);
				moved += n;
			}
		}
	}
	while (l->n != 0 && l->heap[0].when <= now_us) {
		struct flight f = heap_pop(l);
		struct link_dir *d = &l->d[f.dir];

		if (tern_sim_deliver(l->dev[!f.dir], f.m) == 0)
			d->st.delivered++;
		else
			d->st.rx_full++;
		moved++;
	}
	return moved;
}

uint64_t
tern_sim_link_next_event(const struct tern_sim_link *l)
{
	return l->n != 0 ? l->heap[0].when : UINT64_MAX;
}

const struct tern_sim_link_stats *
tern_sim_link_stats(const struct tern_sim_link *l, int dir)
{
	return &l->d[dir & 1].st;
}

void
tern_sim_link_free(struct tern_sim_link *l)
{
	if (l == NULL)
		return;
	while (l->n != 0)
		rte_pktmbuf_free(heap_pop(l).m);
	if (l->pcap != NULL)
		fclose(l->pcap);
	rte_free(l);
}
