/* write access to /proc/sysrq-trigger: one byte reboots, crashes or
 * freezes the host.  Proof: open it for writing (never a write) and hold
 * the descriptor, so the host can see it. */
#include "attack.h"

int main(int argc, char **argv)
{
	bxa_init(argc, argv, 0, "");
	return bxa_hold_write_open("/proc/sysrq-trigger");
}
