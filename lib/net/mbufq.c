/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_errno.h>
#include <rte_mbuf_dyn.h>

#include "net_mbufq.h"

int tern_mbufq_link_off = -1;

int
tern_mbufq_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "tern_mbuf_meta",
		.size = sizeof(struct tern_mbuf_meta),
		.align = __alignof__(struct tern_mbuf_meta),
	};
	int off;

	if (tern_mbufq_link_off >= 0)
		return 0;
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	tern_mbufq_link_off = off;
	return 0;
}

void
tern_mbuf_cut_front(struct rte_mbuf *m, uint32_t n)
{
	struct rte_mbuf *prev = m, *s;
	uint32_t k = RTE_MIN(n, (uint32_t)m->data_len);

	m->data_off = (uint16_t)(m->data_off + k);
	m->data_len = (uint16_t)(m->data_len - k);
	m->pkt_len -= n;
	n -= k;
	/* whole mbufs after the first go; the one the cut ends in is shortened */
	while (n != 0 && (s = prev->next) != NULL) {
		if (n >= s->data_len) {
			n -= s->data_len;
			prev->next = s->next;
			s->next = NULL;
			m->nb_segs--;
			rte_pktmbuf_free_seg(s);
			continue;
		}
		s->data_off = (uint16_t)(s->data_off + n);
		s->data_len = (uint16_t)(s->data_len - n);
		n = 0;
	}
}

void
tern_mbuf_cut_back(struct rte_mbuf *m, uint32_t n)
{
	uint32_t keep = m->pkt_len - n, seen = 0;
	uint16_t segs = 1;
	struct rte_mbuf *s = m;

	/* the mbuf holding the last byte kept (the first if none is) */
	while (s->next != NULL && seen + s->data_len < keep) {
		seen += s->data_len;
		s = s->next;
		segs++;
	}
	s->data_len = (uint16_t)(keep - seen);
	if (s->next != NULL) {
		rte_pktmbuf_free(s->next);
		s->next = NULL;
	}
	m->nb_segs = segs;
	m->pkt_len = keep;
}
