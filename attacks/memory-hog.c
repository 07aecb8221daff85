/* memory hog, bounded: allocate and touch MIB mebibytes (no more), then
 * hold so the host can read its resident size.  Without a limit a real
 * one pushes the host into swap and its OOM killer.  ARG: MIB. */
#include "attack.h"

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 1, "MIB");
	int mib = atoi(a[0]), got = 0;
	if (mib < 1 || mib > 1024)
		return bxa_fail("bad size %s", a[0]);
	for (; got < mib; got++) {
		char *p = malloc(1 << 20);
		if (!p)
			break;
		memset(p, 0x5a, 1 << 20);
	}
	if (got < mib)
		bxa_claim(0, "allocation failed after %d MiB", got);
	else
		bxa_claim(1, "holding %d MiB", got);
	bxa_hold();
	return 0;
}
