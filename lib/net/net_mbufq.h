/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TERN_NET_MBUFQ_H
#define TERN_NET_MBUFQ_H

/*
 * A FIFO of packets linked through an mbuf dynamic field, so queues (ARP
 * pending packets, and later TCP queues) cost no memory of their own and no
 * allocation. m->next stays free for segment chains. A packet is on at most
 * one queue at a time.
 */

#include <stdint.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

/** Per-mbuf metadata Tern keeps in a dynamic field of every mbuf. */
struct tern_mbuf_meta {
	struct rte_mbuf *next;   /**< queue link */
	uint32_t seq;            /**< TCP: sequence number of the first payload byte */
	uint16_t flags;          /**< TERN_MBUF_* */
	uint16_t tx_refs;        /**< TCP send queue: frames in flight that point into it */
};
#define TERN_MBUF_FIN    1u /**< TCP reassembly: a FIN follows the payload */
#define TERN_MBUF_ORPHAN 2u /**< TCP send queue: acknowledged, freed by the last frame */

/** Offset of struct tern_mbuf_meta in every mbuf; set by tern_mbufq_register(). */
extern int tern_mbufq_link_off;

/** Register the link field (once per process, idempotent). @return 0 or -errno. */
int tern_mbufq_register(void);

struct tern_mbufq {
	struct rte_mbuf *head; /**< oldest */
	struct rte_mbuf *tail; /**< newest */
	uint32_t len;          /**< packets queued */
};

static inline struct tern_mbuf_meta *
tern_mbuf_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, tern_mbufq_link_off, struct tern_mbuf_meta *);
}

static inline struct rte_mbuf **
tern_mbufq_link(struct rte_mbuf *m)
{
	return &tern_mbuf_meta(m)->next;
}

static inline void
tern_mbufq_init(struct tern_mbufq *q)
{
	q->head = q->tail = NULL;
	q->len = 0;
}

/** Append @p m; the queue holds it until dequeued. */
static inline void
tern_mbufq_enqueue(struct tern_mbufq *q, struct rte_mbuf *m)
{
	*tern_mbufq_link(m) = NULL;
	if (q->tail != NULL)
		*tern_mbufq_link(q->tail) = m;
	else
		q->head = m;
	q->tail = m;
	q->len++;
}

/** Remove and return the oldest packet, or NULL; the caller owns it. */
static inline struct rte_mbuf *
tern_mbufq_dequeue(struct tern_mbufq *q)
{
	struct rte_mbuf *m = q->head;

	if (m == NULL)
		return NULL;
	q->head = *tern_mbufq_link(m);
	if (q->head == NULL)
		q->tail = NULL;
	q->len--;
	return m;
}

/** Free every packet on @p q. @return how many were freed. */
static inline uint32_t
tern_mbufq_purge(struct tern_mbufq *q)
{
	uint32_t n = q->len;
	struct rte_mbuf *m;

	while ((m = tern_mbufq_dequeue(q)) != NULL)
		rte_pktmbuf_free(m);
	return n;
}

/*
 * Cutting payload off a packet that may be a chain (a coalesced segment,
 * gro.c): rte_pktmbuf_adj and rte_pktmbuf_trim stay within the first or the
 * last mbuf. The packet's first mbuf stays its first (its metadata lives
 * there), possibly holding no data.
 */

/** Remove the first @p n bytes of @p m (n <= its length). */
void tern_mbuf_cut_front(struct rte_mbuf *m, uint32_t n);

/** Remove the last @p n bytes of @p m (n <= its length); mbufs left empty
 * past its first are freed. */
void tern_mbuf_cut_back(struct rte_mbuf *m, uint32_t n);

#endif /* TERN_NET_MBUFQ_H */
