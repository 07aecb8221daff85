/* Shared by every attack program (one static binary each, in the image at
 * /usr/lib/boxlab/attacks/NAME).  Invocation: NAME NONCE SCRATCH [ARG...]
 *
 *   NONCE    fresh per run; the attack names itself "bxa<NONCE>" (comm),
 *            so the host can find and inspect it while it runs.
 *   SCRATCH  a directory the attack may create files in: the container's
 *            /tmp, or a dir under boxlab's state dir when rootfs is off.
 *
 * What it prints is its claim, never the verdict: the host (boxlab
 * attack, src/attack/) decides from its canary.  Lines:
 *   CLAIM ESCAPED|BLOCKED <why>   what the attack believes
 *   DATA <token>                  what it read (the host compares it with
 *                                 the secret it planted)
 *   HOLD                          it holds what it got (an fd, a map,
 *                                 privileges) until its stdin closes, so
 *                                 the host can look at it
 *   READY                         it waits for the host to do something */
#ifndef BXA_ATTACK_H
#define BXA_ATTACK_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const char *bxa_nonce, *bxa_scratch;
static __attribute__((unused)) char bxa_comm[16];

static __attribute__((unused)) void __attribute__((format(printf, 2, 3))) bxa_claim(int escaped, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("CLAIM %s ", escaped ? "ESCAPED" : "BLOCKED");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

/* A failed step: the claim names the step and the errno. */
static __attribute__((unused)) int __attribute__((format(printf, 1, 2))) bxa_fail(const char *fmt, ...)
{
	int e = errno;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	bxa_claim(0, "%s: %s", buf, strerror(e));
	return 0;
}

static __attribute__((unused)) void bxa_data(const char *token)
{
	printf("DATA %s\n", token);
	fflush(stdout);
}

/* Wait until the host closes our stdin (at most 5 s). */
static __attribute__((unused)) void bxa_hold(void)
{
	char c;
	printf("HOLD\n");
	fflush(stdout);
	alarm(5);
	while (read(0, &c, 1) > 0)
		;
	alarm(0);
}

/* argv: NAME NONCE SCRATCH ARG...; returns the ARGs. */
static char **bxa_init(int argc, char **argv, int nargs, const char *usage)
{
	if (argc != 3 + nargs) {
		fprintf(stderr, "usage: %s NONCE SCRATCH %s\n", argv[0], usage);
		exit(2);
	}
	bxa_nonce = argv[1];
	bxa_scratch = argv[2];
	snprintf(bxa_comm, sizeof bxa_comm, "bxa%s", bxa_nonce);
	prctl(PR_SET_NAME, bxa_comm);
	/* SIGALRM ends a hold that nobody releases. */
	signal(SIGALRM, SIG_DFL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return argv + 3;
}

/* A whole small file into buf (NUL-terminated); -1 with errno. */
static __attribute__((unused)) int bxa_read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* proc-sys, sysrq-trigger: open a file for writing (never a write) and
 * hold the descriptor, so the host sees it in /proc/PID/fdinfo. */
static __attribute__((unused)) int bxa_hold_write_open(const char *path)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return bxa_fail("open %s for writing", path);
	bxa_claim(1, "opened %s for writing (fd %d; nothing written)", path, fd);
	bxa_hold();
	close(fd);
	return 0;
}

#endif
