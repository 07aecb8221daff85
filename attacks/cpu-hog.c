/* CPU hog, bounded: THREADS threads spin for MS milliseconds of wall
 * time, then hold so the host can read how much CPU time they took from
 * everyone else.  Without a quota, every runnable host process gets its
 * share cut.  ARGS: THREADS MS. */
#include "attack.h"

#include <pthread.h>
#include <time.h>

static long ms_limit;

static long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void *spin(void *arg)
{
	long end = *(long *)arg;
	volatile unsigned long x = 0;
	while (now_ms() < end)
		for (int i = 0; i < 100000; i++)
			x++;
	return NULL;
}

int main(int argc, char **argv)
{
	char **a = bxa_init(argc, argv, 2, "THREADS MS");
	int n = atoi(a[0]);
	ms_limit = atol(a[1]);
	if (n < 1 || n > 16 || ms_limit < 1 || ms_limit > 5000)
		return bxa_fail("bad arguments");
	long end = now_ms() + ms_limit;
	pthread_t th[16];
	for (int i = 1; i < n; i++)
		pthread_create(&th[i], NULL, spin, &end);
	spin(&end);
	for (int i = 1; i < n; i++)
		pthread_join(th[i], NULL);
	struct timespec cpu;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	long used = cpu.tv_sec * 1000 + cpu.tv_nsec / 1000000;
	bxa_claim(used > ms_limit / 2, "%d threads used %ld ms of CPU in %ld ms", n, used, ms_limit);
	bxa_hold();
	return 0;
}
