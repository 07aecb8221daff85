/* touchmem N: allocate N MiB, write every page so all of it is resident,
 * say "ready", then wait for a signal.  The workload of the report's
 * pause/resume and checkpoint/restore figures, whose cost grows with the
 * memory a container holds.  Static, so it runs in any image. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char *end;
	long mib = argc == 2 ? strtol(argv[1], &end, 10) : -1;
	if (argc != 2 || *end || mib < 0 || mib > 65536) {
		fprintf(stderr, "usage: touchmem MIB (0 to 65536)\n");
		return 2;
	}
	size_t n = (size_t)mib << 20;
	if (n) {
		/* mmap, not malloc: one anonymous mapping, no allocator slack. */
		char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("touchmem: mmap");
			return 1;
		}
		/* Distinct bytes per page: zero pages could be deduplicated. */
		for (size_t i = 0; i < n; i += 4096)
			memset(p + i, (int)(i >> 12) | 1, 4096);
	}
	printf("ready %ld MiB\n", mib);
	fflush(stdout);
	for (;;)
		pause();
}
