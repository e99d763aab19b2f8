/* SPDX-License-Identifier: BSD-3-Clause */
/* Flow ownership (net_flow.h): the owner function's tables. */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_thash.h>

#include "net_flow.h"
#include "tern_netdev.h"

/* Every other byte alike (0x6d5a repeated): the hash of a flow is the same
 * both ways, and the key extends to any length a NIC asks for by repeating. */
const uint8_t tern_rss_key[TERN_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

int
net_flow_map_init(struct net_flow_map *fm, const uint8_t key[16], uint16_t nb_workers,
		uint32_t reta_size)
{
	uint32_t key_be[NET_FLOW_KEY_USED / 4];

	if (reta_size == 0)
		reta_size = NET_FLOW_RETA_DEFAULT;
	if (nb_workers == 0 || !rte_is_power_of_2(reta_size))
		return -EINVAL;
	memcpy(key_be, key, sizeof(key_be));
	rte_convert_rss_key(key_be, key_be, sizeof(key_be));
	/* Toeplitz is linear over GF(2): the hash of an input is the XOR of
	 * the hashes of its bytes, each alone at its place */
	for (unsigned int pos = 0; pos < NET_FLOW_INPUT_LEN; pos++) {
		for (unsigned int v = 0; v < 256; v++) {
			uint32_t tuple[NET_FLOW_INPUT_LEN / 4] = { 0 };

			tuple[pos / 4] = (uint32_t)v << (8 * (3 - pos % 4));
			fm->byte_hash[pos][v] = rte_softrss_be(tuple, RTE_DIM(tuple),
					(const uint8_t *)key_be);
		}
	}
	fm->reta_mask = reta_size - 1;
	fm->nb_workers = nb_workers;
	return 0;
}
