/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>

#include "eal_rundir.h"

/* EAL's runtime directory of this process and the files in it. */
static void
eal_rundir_remove(void)
{
	const char *dir = rte_eal_get_runtime_dir();
	struct dirent *de;
	char path[PATH_MAX];
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

void
eal_rundir_remove_at_exit(void)
{
	atexit(eal_rundir_remove);
}
