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
