/* SPDX-License-Identifier: BSD-3-Clause */
/* Key material for keyed functions (tern_secret.h). */
#include <stdint.h>
#include <sys/random.h>

#include <rte_random.h>

#include "tern_secret.h"

void
tern_secret_fill(void *buf, size_t len)
{
	uint8_t *b = buf;

	if (getrandom(b, len, 0) == (ssize_t)len)
		return;
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)rte_rand();
}
