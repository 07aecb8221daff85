/* Resource attacks: fork bomb, memory hog, CPU hog.  Each bounds itself
 * (a fixed count, size or duration) so that it never endangers the host,
 * even with the module off; it runs with the limit a user would set (a
 * boxlab container has none by default, as in Docker), and the host
 * counts what it really got while it holds it. */
#include "attack/attack.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FORK_COUNT 200
#define FORK_LIMIT "64"
#define MEM_MIB 256
#define MEM_LIMIT "64m"
#define CPU_MS 1000
#define CPU_LIMIT "0.05"
#define CPU_ESCAPED_MS 100 /* twice what the quota allows in CPU_MS: a hog with
				  no quota gets more even on a loaded host */

static int fork_plant(struct bx_atk_run *r, bx_err_t *err)
{
	(void)err;
	strv_pushf(&r->args, "%d", FORK_COUNT);
	return 0;
}

static void fork_observe(struct bx_atk_run *r)
{
	pid_t pids[1];
	int n = bx_atk_find_comm(r->comm, pids, 1);
	bx_atk_seen(r, n > FORK_COUNT, "the host counted %d processes of the attack at once (its bound %d, the "
		    "limit " FORK_LIMIT ")", n, FORK_COUNT + 1);
}

const struct bx_attack bx_attack_fork = {
	.name = "fork-bomb",
	.summary = "fork " "200" " processes at once (bounded), with --pids-limit " FORK_LIMIT,
	.mirrors = "the fork bomb :(){ :|:& };: exhausting the host's pid table",
	.canary = "the host counts the attack's processes (comm bxa<nonce>) while they exist",
	.blocked_by = "pids",
	.run_flags = (const char *const[]){"--pids-limit", FORK_LIMIT, NULL},
	.plant = fork_plant,
	.observe = fork_observe,
	.judge = bx_atk_judge_seen,
};

static int mem_plant(struct bx_atk_run *r, bx_err_t *err)
{
	(void)err;
	strv_pushf(&r->args, "%d", MEM_MIB);
	return 0;
}

static void mem_observe(struct bx_atk_run *r)
{
	pid_t pid;
	if (bx_atk_find_comm(r->comm, &pid, 1) != 1) {
		bx_atk_seen(r, false, "the attack is gone");
		return;
	}
	cleanup_free char *rss = bx_atk_status_field(pid, "VmRSS");
	unsigned long kb = rss ? strtoul(rss, NULL, 10) : 0;
	bx_atk_seen(r, kb >= (MEM_MIB - 16) * 1024UL, "the host read a resident size of %lu MiB (its bound %d, the "
		    "limit " MEM_LIMIT ")", kb / 1024, MEM_MIB);
}

static void mem_judge(struct bx_atk_run *r)
{
	if (!r->held && !r->seen_what)
		bx_atk_verdict(r, BX_BLOCKED, "the attack was killed before it held %d MiB (the OOM killer at the "
			       MEM_LIMIT " limit)", MEM_MIB);
	else
		bx_atk_judge_seen(r);
}

const struct bx_attack bx_attack_memory = {
	.name = "memory-hog",
	.summary = "allocate and touch 256 MiB (bounded), with --memory " MEM_LIMIT,
	.mirrors = "a leaking or malicious container driving the host into swap and its OOM killer",
	.canary = "the host reads the attack's resident size (VmRSS) while it holds the memory",
	.blocked_by = "memory",
	.run_flags = (const char *const[]){"--memory", MEM_LIMIT, NULL},
	.plant = mem_plant,
	.observe = mem_observe,
	.judge = mem_judge,
};

static int cpu_plant(struct bx_atk_run *r, bx_err_t *err)
{
	(void)err;
	strv_push(&r->args, "2");
	strv_pushf(&r->args, "%d", CPU_MS);
	return 0;
}

static void cpu_observe(struct bx_atk_run *r)
{
	pid_t pid;
	if (bx_atk_find_comm(r->comm, &pid, 1) != 1) {
		bx_atk_seen(r, false, "the attack is gone");
		return;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	cleanup_free char *st = bx_atk_slurp(path, NULL);
	char *p = st ? strrchr(st, ')') : NULL;
	unsigned long long ut = 0, stime = 0;
	/* after "comm)": state ppid pgrp session tty tpgid flags minflt
	 * cminflt majflt cmajflt utime stime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stime) != 2) {
		bx_atk_seen(r, false, "cannot read %s", path);
		return;
	}
	long ms = (long)((ut + stime) * 1000 / (unsigned long long)sysconf(_SC_CLK_TCK));
	bx_atk_seen(r, ms >= CPU_ESCAPED_MS, "the attack took %ld ms of CPU in %d ms, that host processes did not get "
		    "(the quota allows %d)", ms, CPU_MS, (int)(atof(CPU_LIMIT) * CPU_MS));
}

const struct bx_attack bx_attack_cpu = {
	.name = "cpu-hog",
	.summary = "2 threads spin for 1 s (bounded), with --cpus " CPU_LIMIT,
	.mirrors = "crypto miners in containers starving their neighbours",
	.canary = "the host reads the attack's CPU time (utime+stime) after its second of spinning",
	.blocked_by = "cpu",
	.run_flags = (const char *const[]){"--cpus", CPU_LIMIT, NULL},
	.exclusive = true,
	.plant = cpu_plant,
	.observe = cpu_observe,
	.judge = bx_atk_judge_seen,
};
