/* Looking at the host: finding the attack's processes by their name,
 * reading their namespaces and credentials, planting file and process
 * canaries.  Everything here runs on the host side of the harness. */
#include "attack/attack.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

void bx_atk_random_hex(char *out, size_t digits)
{
	unsigned char b[64];
	size_t n = (digits + 1) / 2;
	if (n > sizeof b)
		n = sizeof b;
	if (getrandom(b, n, 0) != (ssize_t)n)
		for (size_t i = 0; i < n; i++) /* never on Linux >= 3.17 */
			b[i] = (unsigned char)rand();
	for (size_t i = 0; i < digits && i / 2 < n; i++)
		out[i] = "0123456789abcdef"[(b[i / 2] >> (i % 2 ? 0 : 4)) & 15];
	out[digits] = '\0';
}

int bx_atk_find_comm(const char *comm, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		char path[300], buf[32];
		snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t k = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (k <= 0)
			continue;
		buf[k] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (strcmp(buf, comm))
			continue;
		if (n < max)
			out[n] = (pid_t)atoi(e->d_name);
		n++;
	}
	if (d)
		closedir(d);
	return n;
}

uint64_t bx_atk_ns(pid_t pid, const char *ns)
{
	char path[64];
	struct stat st;
	snprintf(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns);
	return stat(path, &st) < 0 ? 0 : (uint64_t)st.st_ino;
}

char *bx_atk_status_field(pid_t pid, const char *field)
{
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	char *v = NULL;
	size_t fl = strlen(field);
	while (f && !v && fgets(line, sizeof line, f))
		if (!strncmp(line, field, fl) && line[fl] == ':') {
			char *s = line + fl + 1;
			s += strspn(s, " \t");
			s[strcspn(s, "\n")] = '\0';
			v = xstrdup(s);
		}
	if (f)
		fclose(f);
	return v;
}

static void set_text(char **dst, const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	free(*dst);
	*dst = s;
}

void bx_atk_verdict(struct bx_atk_run *r, enum bx_verdict v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_text(&r->evidence, fmt, ap);
	va_end(ap);
	r->verdict = v;
}

void bx_atk_seen(struct bx_atk_run *r, bool seen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_text(&r->seen_what, fmt, ap);
	va_end(ap);
	r->seen = seen;
}

void bx_atk_judge_secret(struct bx_atk_run *r, const char *what)
{
	if (r->data && !strcmp(r->data, r->secret))
		bx_atk_verdict(r, BX_ESCAPED, "the container returned the fresh secret of %s", what);
	else if (r->data)
		bx_atk_verdict(r, BX_BLOCKED, "the container returned \"%.40s\", not the secret of %s", r->data, what);
	else
		bx_atk_verdict(r, BX_BLOCKED, "the secret of %s never left the host", what);
}

void bx_atk_judge_seen(struct bx_atk_run *r)
{
	if (r->seen)
		bx_atk_verdict(r, BX_ESCAPED, "%s", r->seen_what);
	else if (r->seen_what)
		bx_atk_verdict(r, BX_BLOCKED, "%s", r->seen_what);
	else
		bx_atk_verdict(r, BX_BLOCKED, "the attack never got far enough to hold anything for the host to see");
}

/* The canary process keeps a secret in its memory (ptrace reads it). */
static char canary_secret[64];

int bx_atk_canary_process(struct bx_atk_run *r, bx_err_t *err)
{
	snprintf(canary_secret, sizeof canary_secret, "%s", r->secret);
	pid_t pid = fork();
	if (pid < 0)
		return bx_make_error(err, errno, "cannot fork the canary process");
	if (pid == 0) {
		char comm[16];
		snprintf(comm, sizeof comm, "bxc%s", r->nonce);
		prctl(PR_SET_NAME, comm);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		for (;;)
			pause();
	}
	r->canary = pid;
	r->canary_fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (r->canary_fd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		r->canary = 0;
		return bx_make_error(err, errno, "cannot open a pidfd for the canary process");
	}
	fcntl(r->canary_fd, F_SETFD, FD_CLOEXEC);
	return 0;
}

/* Exported for ptrace's plant: where the secret is. */
const char *bx_atk_canary_secret_addr(void)
{
	return canary_secret;
}

int bx_atk_canary_process_stop(struct bx_atk_run *r, bx_err_t *err)
{
	if (r->canary <= 0)
		return 0;
	kill(r->canary, SIGKILL);
	if (waitpid(r->canary, NULL, 0) < 0 && errno != ECHILD)
		return bx_make_error(err, errno, "cannot reap the canary process %d", (int)r->canary);
	r->canary = 0;
	if (r->canary_fd >= 0)
		close(r->canary_fd);
	r->canary_fd = -1;
	return 0;
}

int bx_atk_canary_file(struct bx_atk_run *r, const char *name, mode_t mode, bx_err_t *err)
{
	free(r->path);
	r->path = xasprintf("%s/%s", r->dir, name);
	int fd = open(r->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return bx_make_error(err, errno, "cannot create the canary file %s", r->path);
	fchmod(fd, mode);
	bool ok = write(fd, r->secret, strlen(r->secret)) == (ssize_t)strlen(r->secret) && write(fd, "\n", 1) == 1 &&
		  fsync(fd) == 0;
	int e = errno;
	close(fd);
	if (!ok)
		return bx_make_error(err, e, "cannot write the canary file %s", r->path);
	return 0;
}

char *bx_atk_slurp(const char *path, size_t *len)
{
	bx_err_t e = NULL;
	char *s = bx_read_file(path, len, &e);
	bx_error_release(&e);
	return s;
}
