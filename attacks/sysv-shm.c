/* read the host's System V shared memory: segments are found by key in
 * the IPC namespace; without one, any key of the host.  ARG: the key. */
#include "attack.h"

#include <sys/shm.h>

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 1, "KEY");
	key_t key = (key_t)strtol(a[0], NULL, 0);
	int id = shmget(key, 0, 0);
	if (id < 0)
		return bxa_fail("shmget(0x%x)", (unsigned)key);
	char *p = shmat(id, NULL, SHM_RDONLY);
	if (p == (void *)-1)
		return bxa_fail("shmat(%d)", id);
	char buf[128];
	snprintf(buf, sizeof buf, "%.64s", p);
	shmdt(p);
	bxa_data(buf);
	bxa_claim(1, "attached the host's segment 0x%x", (unsigned)key);
	return 0;
}
