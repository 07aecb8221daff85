/* bpf(): load objects into the kernel -- a map here; a tracing program
 * would read any host process's memory.  The map is named after the
 * nonce and held open so the host can list it (bpftool map show). */
#include "attack.h"

#include <linux/bpf.h>
#include <sys/syscall.h>

int main(int argc, char **argv)
{
	bxa_init(argc, argv, 0, "");
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 8;
	attr.max_entries = 1;
	snprintf(attr.map_name, sizeof attr.map_name, "%s", bxa_comm);
	int fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
	if (fd < 0)
		return bxa_fail("bpf(BPF_MAP_CREATE)");
	bxa_claim(1, "created BPF map \"%s\" in the kernel", bxa_comm);
	bxa_hold();
	close(fd);
	return 0;
}
