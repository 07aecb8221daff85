/* write access to /proc/sys: kernel.core_pattern is global, not per
 * namespace; who can write it makes the host run a program of theirs as
 * root at the next crash anywhere.  Proof: open it for writing (never a
 * write) and hold the descriptor, so the host can see it. */
#include "attack.h"

int main(int argc, char **argv)
{
	bxa_init(argc, argv, 0, "");
	return bxa_hold_write_open("/proc/sys/kernel/core_pattern");
}
