/* SPDX-License-Identifier: BSD-3-Clause */
/* getrandom() from a fixed sequence for test binaries (random_fixed.h). */
#include <stdbool.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "random_fixed.h"

static bool fixed;
static uint64_t fixed_state;

/* splitmix64's next value of *@state (as the simulator's sim_rand) */
static uint64_t
fixed_next(uint64_t *state)
{
	uint64_t x = (*state += 0x9e3779b97f4a7c15ull) + 0x9e3779b97f4a7c15ull;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

void
random_fixed_on(uint64_t state)
{
	fixed_state = state;
	fixed = true;
}

void
random_fixed_off(void)
{
	fixed = false;
}

ssize_t
getrandom(void *buf, size_t len, unsigned int flags)
{
	uint8_t *p = buf;

	if (!fixed)
		return (ssize_t)syscall(SYS_getrandom, buf, len, flags);
	for (size_t i = 0; i < len; i += 8) {
		uint64_t r = fixed_next(&fixed_state);

		memcpy(&p[i], &r, len - i < 8 ? len - i : 8);
	}
	return (ssize_t)len;
}
