/* The supervisor's option rows: restart policy, health check and log
 * rotation, each a flag and an INI key like every other setting (see
 * options.c; spec.c reads this table after that one). */
#include "core/logfile.h"
#include "core/spec.h"
#include "core/times.h"
#include "modules/cgroup.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000LL

void bx_supervise_conf_init(struct bx_supervise_conf *c)
{
	memset(c, 0, sizeof *c);
	/* Docker's defaults for the health check. */
	c->health_interval_ns = 30 * NS_PER_S;
	c->health_timeout_ns = 30 * NS_PER_S;
	c->health_retries = 3;
	/* /run is a tmpfs: logs cost RAM, so they are capped by default
	 * (Docker's json-file is not, and fills disks). */
	c->log_max_size = BX_LOG_DEFAULT_MAX_SIZE;
	c->log_max_files = BX_LOG_DEFAULT_MAX_FILES;
}

static const char *const restart_names[] = {"no", "on-failure", "always", "unless-stopped"};

static int set_restart(struct bx_spec *s, const char *v, bx_err_t *err)
{
	const char *colon = strchr(v, ':');
	size_t len = colon ? (size_t)(colon - v) : strlen(v);
	for (size_t i = 0; i < N_ELEMENTS(restart_names); i++) {
		if (strlen(restart_names[i]) != len || strncmp(v, restart_names[i], len))
			continue;
		unsigned long max = 0;
		if (colon) {
			char *end;
			errno = 0;
			max = strtoul(colon + 1, &end, 10);
			if (i != BX_RESTART_ON_FAILURE || !isdigit((unsigned char)colon[1]) || *end || errno ||
			    max > 1000000)
				goto bad;
		}
		s->sup.restart = i;
		s->sup.restart_max = (unsigned)max;
		return 0;
	}
bad:
	return bx_usage_error(err, "invalid restart policy \"%s\" (allowed: no, on-failure[:N], always, "
			      "unless-stopped)", v);
}
static char *get_restart(const struct bx_spec *s)
{
	if (s->sup.restart == BX_RESTART_ON_FAILURE && s->sup.restart_max)
		return xasprintf("on-failure:%u", s->sup.restart_max);
	return xstrdup(restart_names[s->sup.restart]);
}

static int set_health_cmd(struct bx_spec *s, const char *v, bx_err_t *err)
{
	(void)err;
	free(s->sup.health_cmd);
	/* Docker's NONE switches off a check an image (or INI) set. */
	s->sup.health_cmd = *v && strcmp(v, "NONE") ? xstrdup(v) : NULL;
	return 0;
}
static char *get_health_cmd(const struct bx_spec *s)
{
	return s->sup.health_cmd ? xstrdup(s->sup.health_cmd) : NULL;
}

static int set_dur(int64_t *slot, const char *v, int64_t min_ns, const char *what, bx_err_t *err)
{
	int64_t ns;
	if (bx_parse_duration(v, &ns, err) < 0)
		return -1;
	if (ns < min_ns) {
		char m[32];
		bx_format_duration(min_ns, m, sizeof m);
		return bx_usage_error(err, "%s \"%s\" is too short (at least %s)", what, v, m);
	}
	*slot = ns;
	return 0;
}
static char *get_dur(int64_t ns)
{
	char b[48];
	bx_format_duration(ns, b, sizeof b);
	return xstrdup(b);
}

static int set_interval(struct bx_spec *s, const char *v, bx_err_t *err)
{
	return set_dur(&s->sup.health_interval_ns, v, NS_PER_S / 10, "health interval", err);
}
static char *get_interval(const struct bx_spec *s) { return get_dur(s->sup.health_interval_ns); }
static int set_timeout(struct bx_spec *s, const char *v, bx_err_t *err)
{
	return set_dur(&s->sup.health_timeout_ns, v, NS_PER_S / 10, "health timeout", err);
}
static char *get_timeout(const struct bx_spec *s) { return get_dur(s->sup.health_timeout_ns); }
static int set_start(struct bx_spec *s, const char *v, bx_err_t *err)
{
	return set_dur(&s->sup.health_start_ns, v, 0, "health start period", err);
}
static char *get_start(const struct bx_spec *s) { return get_dur(s->sup.health_start_ns); }

static int parse_count(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	if (!isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	*out = strtoul(v, &end, 10);
	return *end || errno || *out < lo || *out > hi ? -1 : 0;
}

static int set_retries(struct bx_spec *s, const char *v, bx_err_t *err)
{
	unsigned long n;
	if (parse_count(v, 1, 1000, &n) < 0)
		return bx_usage_error(err, "invalid health retries \"%s\" (a number from 1 to 1000)", v);
	s->sup.health_retries = (unsigned)n;
	return 0;
}
static char *get_retries(const struct bx_spec *s) { return xasprintf("%u", s->sup.health_retries); }

static int set_log_size(struct bx_spec *s, const char *v, bx_err_t *err)
{
	int64_t n;
	if (bx_cg_parse_bytes(v, &n, err) < 0)
		return -1;
	if (n != 0 && n < 4096)
		return bx_usage_error(err, "log size \"%s\" is too small (at least 4k, or 0 for no limit)", v);
	s->sup.log_max_size = n;
	return 0;
}
static char *get_log_size(const struct bx_spec *s) { return xasprintf("%lld", (long long)s->sup.log_max_size); }

static int set_log_files(struct bx_spec *s, const char *v, bx_err_t *err)
{
	unsigned long n;
	if (parse_count(v, 1, 100, &n) < 0)
		return bx_usage_error(err, "invalid number of log files \"%s\" (a number from 1 to 100)", v);
	s->sup.log_max_files = (int)n;
	return 0;
}
static char *get_log_files(const struct bx_spec *s) { return xasprintf("%d", s->sup.log_max_files); }

int bx_supervise_conf_check(const struct bx_spec *s, bx_err_t *err)
{
	if (s->sup.restart != BX_RESTART_NO && s->rm)
		return bx_usage_error(err, "--restart cannot be combined with --rm: a container that restarts "
				      "is never done, so there is no moment to remove it");
	if (s->sup.restart != BX_RESTART_NO && !s->detach)
		return bx_usage_error(err, "--restart needs -d: the detached container's supervisor restarts it");
	return 0;
}

const struct bx_opt bx_supervise_opts[] = {
	{"restart", 0, "supervise", "restart", "POLICY", "no (default), on-failure[:N] (at most N restarts), "
	 "always, unless-stopped; backoff 100ms doubling to 1m, reset after 10s up (needs -d)", set_restart,
	 get_restart},
	{"health-cmd", 0, "health", "cmd", "COMMAND", "check health: sh -c COMMAND inside (as with exec); "
	 "exit 0 healthy", set_health_cmd, get_health_cmd},
	{"health-interval", 0, "health", "interval", "DURATION", "time between checks (default 30s)", set_interval,
	 get_interval},
	{"health-timeout", 0, "health", "timeout", "DURATION", "a check running longer fails (default 30s)",
	 set_timeout, get_timeout},
	{"health-retries", 0, "health", "retries", "N", "failures in a row that make it unhealthy (default 3)",
	 set_retries, get_retries},
	{"health-start-period", 0, "health", "start_period", "DURATION", "failures in this first time do not "
	 "count (default 0s)", set_start, get_start},
	{"log-max-size", 0, "log", "max_size", "SIZE", "rotate stdout.log at this size (default 10m; 0: never)",
	 set_log_size, get_log_size},
	{"log-max-files", 0, "log", "max_files", "N", "log files kept, the current one included (default 2)",
	 set_log_files, get_log_files},
	{0},
};
