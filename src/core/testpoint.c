/* See testpoint.h. */
#include "core/testpoint.h"
#include "core/proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void bx_test_stop(const char *name, const char *phase, const char *module)
{
	const char *want = getenv("BOXLAB_TEST_STOP_AT");
	char here[96], title[192];
	if (!want || !*want)
		return;
	snprintf(here, sizeof here, "%s%s%s", phase, module ? ":" : "", module ? module : "");
	if (strcmp(want, here))
		return;
	snprintf(title, sizeof title, "boxlab-stopped %s %s", name, here);
	bx_proc_title(title);
	/* pause, not SIGSTOP: a container's init (pid 1 of its namespace)
	 * ignores a SIGSTOP it sends itself.  Only SIGKILL ends this. */
	for (;;)
		pause();
}
