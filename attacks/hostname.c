/* change the host's hostname: without a UTS namespace the container's
 * hostname *is* the host's.  Harmless proof: it writes back the very name
 * it read, then holds so the host can check which UTS namespace it is in
 * and with which privileges. */
#include "attack.h"

int main(int argc, char **argv)
{
	bxa_init(argc, argv, 0, "");
	char name[256];
	if (gethostname(name, sizeof name) < 0)
		return bxa_fail("gethostname");
	if (sethostname(name, strlen(name)) < 0) {
		bxa_fail("sethostname(\"%s\")", name);
	} else {
		bxa_claim(1, "sethostname(\"%s\") succeeded (the same name written back)", name);
		bxa_hold();
	}
	return 0;
}
