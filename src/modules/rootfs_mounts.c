/* The rootfs module's settings: -v/--volume, --tmpfs, --read-only, as
 * flags and as [rootfs] INI keys, parsed and checked here before anything
 * is mounted (the mounting itself is in rootfs.c). */
#include "modules/module.h"
#include "modules/rootfs.h"
#include "util/cleanup.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

const char *const bx_masked_paths[] = {
	"/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
	NULL,
};

const char *const bx_readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

void bx_mount_free(struct bx_mount *m)
{
	free(m->source);
	free(m->target);
	strv_free(m->fsopts);
	free(m->spec);
	memset(m, 0, sizeof *m);
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

int bx_mount_check_target(const char *what, const char *t, char **clean, bx_err_t *err)
{
	if (t[0] != '/')
		return bx_usage_error(err, "%s target \"%s\" is not an absolute path", what, t);
	/* Lexically, as Docker's filepath.Clean: "/a/../proc" is /proc. */
	cleanup_free char *copy = xstrdup(t);
	char *out = xmalloc(strlen(t) + 2), *save = NULL;
	size_t n = 0;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, c, strlen(c));
		n += strlen(c);
	}
	out[n] = '\0';
	if (n == 0) {
		free(out);
		return bx_usage_error(err, "%s target \"%s\" is the container's root (allowed: a directory below it)",
				      what, t);
	}
	if (under(out, "/proc") || under(out, "/sys")) {
		bx_usage_error(err, "%s target \"%s\" is inside %s, which boxlab mounts and masks itself "
			       "(allowed: any other absolute path)", what, t, under(out, "/proc") ? "/proc" : "/sys");
		free(out);
		return -1;
	}
	*clean = out;
	return 0;
}

int bx_mount_parse_volume(const char *s, struct bx_mount *m, bx_err_t *err)
{
	memset(m, 0, sizeof *m);
	cleanup_free char *copy = xstrdup(s);
	char *src = copy, *dst = strchr(copy, ':'), *opts = NULL;
	if (!dst || dst == src)
		return bx_usage_error(err, "invalid volume \"%s\" (expected HOSTDIR:CTRPATH[:ro] or NAME:CTRPATH[:ro])",
				      s);
	*dst++ = '\0';
	opts = strchr(dst, ':');
	if (opts)
		*opts++ = '\0';
	if (!*dst)
		return bx_usage_error(err, "invalid volume \"%s\": no container path after ':'", s);
	for (char *o = opts ? strtok(opts, ",") : NULL; o; o = strtok(NULL, ",")) {
		if (!strcmp(o, "ro"))
			m->ro = true;
		else if (!strcmp(o, "rw"))
			m->ro = false;
		else
			return bx_usage_error(err, "invalid volume option \"%s\" in \"%s\" (allowed: ro, rw)", o, s);
	}
	if (src[0] == '/') {
		m->kind = BX_MOUNT_BIND;
	} else {
		m->kind = BX_MOUNT_VOLUME;
		if (bx_volume_check_name(src, err) < 0)
			return bx_error_hint(err, "a host directory must be an absolute path");
	}
	if (bx_mount_check_target("volume", dst, &m->target, err) < 0)
		return -1;
	m->source = xstrdup(src);
	m->spec = xstrdup(s);
	return 0;
}

/* "64m", "10%", "1g", "4096" */
static bool size_ok(const char *v, bool percent)
{
	const char *p = v;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p))
		p++;
	if (!*p)
		return true;
	if (p[1])
		return false;
	return strchr("kKmMgG", *p) || (percent && *p == '%');
}

static bool number_ok(const char *v, int base)
{
	char *end;
	if (!*v || !isdigit((unsigned char)*v))
		return false;
	unsigned long n = strtoul(v, &end, base);
	return !*end && (base != 8 || n <= 07777);
}

int bx_mount_parse_tmpfs(const char *s, struct bx_mount *m, bx_err_t *err)
{
	static const struct {
		const char *name;
		unsigned set, clear;
	} flags[] = {
		{"noexec", MOUNT_ATTR_NOEXEC, 0}, {"exec", 0, MOUNT_ATTR_NOEXEC},
		{"nosuid", MOUNT_ATTR_NOSUID, 0}, {"suid", 0, MOUNT_ATTR_NOSUID},
		{"nodev", MOUNT_ATTR_NODEV, 0},   {"dev", 0, MOUNT_ATTR_NODEV},
		{"ro", MOUNT_ATTR_RDONLY, 0},     {"rw", 0, MOUNT_ATTR_RDONLY},
	};
	memset(m, 0, sizeof *m);
	m->kind = BX_MOUNT_TMPFS;
	/* Docker's defaults for --tmpfs. */
	m->attrs = MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	cleanup_free char *copy = xstrdup(s);
	char *opts = strchr(copy, ':');
	if (opts)
		*opts++ = '\0';
	if (bx_mount_check_target("tmpfs", copy, &m->target, err) < 0)
		return -1;
	for (char *o = opts ? strtok(opts, ",") : NULL; o; o = strtok(NULL, ",")) {
		char *eq = strchr(o, '=');
		bool done = false;
		for (size_t i = 0; i < N_ELEMENTS(flags) && !eq; i++)
			if (!strcmp(o, flags[i].name)) {
				m->attrs = (m->attrs | flags[i].set) & ~flags[i].clear;
				done = true;
			}
		if (done)
			continue;
		const char *v = eq ? eq + 1 : "";
		size_t klen = eq ? (size_t)(eq - o) : strlen(o);
		bool ok;
		if (klen == 4 && !strncmp(o, "size", 4))
			ok = size_ok(v, true);
		else if (klen == 9 && !strncmp(o, "nr_inodes", 9))
			ok = size_ok(v, false);
		else if (klen == 4 && !strncmp(o, "mode", 4))
			ok = number_ok(v, 8);
		else if ((klen == 3 && !strncmp(o, "uid", 3)) || (klen == 3 && !strncmp(o, "gid", 3)))
			ok = number_ok(v, 10);
		else {
			bx_mount_free(m);
			return bx_usage_error(err, "invalid tmpfs option \"%s\" in \"%s\" (allowed: size=N[k|m|g|%%], "
					      "mode=OCTAL, uid=N, gid=N, nr_inodes=N, noexec, exec, nosuid, suid, nodev, "
					      "dev, ro, rw)", o, s);
		}
		if (!eq || !ok) {
			bx_mount_free(m);
			return bx_usage_error(err, "invalid tmpfs option \"%s\" in \"%s\" (%.*s wants %s)", o, s,
					      (int)klen, o,
					      !strncmp(o, "mode", 4) ? "an octal mode such as 1777"
					      : !strncmp(o, "size", 4) ? "a size such as 64m or 10%"
								       : "a number");
		}
		strv_push(&m->fsopts, o);
	}
	m->ro = m->attrs & MOUNT_ATTR_RDONLY;
	m->spec = xstrdup(s);
	return 0;
}

/* --- option rows --- */

static struct bx_rootfs_conf *conf_of(struct bx_spec *s)
{
	return bx_spec_conf(s, "rootfs", sizeof(struct bx_rootfs_conf));
}

const struct bx_rootfs_conf *bx_rootfs_conf(const struct bx_spec *s)
{
	int i = bx_module_index("rootfs");
	return i < 0 ? NULL : s->conf[i];
}

void bx_rootfs_free_conf(void *p)
{
	struct bx_rootfs_conf *c = p;
	for (size_t i = 0; i < c->n; i++)
		bx_mount_free(&c->mounts[i]);
	free(c->mounts);
	c->mounts = NULL;
	c->n = 0;
}

static int add_mount(struct bx_spec *s, struct bx_mount *m, bx_err_t *err)
{
	struct bx_rootfs_conf *c = conf_of(s);
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->mounts[i].target, m->target)) {
			bx_usage_error(err, "two mounts on %s (\"%s\" and \"%s\")", m->target, c->mounts[i].spec,
				       m->spec);
			bx_mount_free(m);
			return -1;
		}
	c->mounts = xrealloc(c->mounts, (c->n + 1) * sizeof *c->mounts);
	c->mounts[c->n++] = *m;
	return 0;
}

static int set_volume(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct bx_mount m;
	if (bx_mount_parse_volume(v, &m, err) < 0)
		return -1;
	return add_mount(s, &m, err);
}

static int set_tmpfs(struct bx_spec *s, const char *v, bx_err_t *err)
{
	struct bx_mount m;
	if (bx_mount_parse_tmpfs(v, &m, err) < 0)
		return -1;
	return add_mount(s, &m, err);
}

/* The INI keys replace the list of their kind (a file read after flags
 * would otherwise double them). */
static void drop_kind(struct bx_spec *s, bool tmpfs)
{
	struct bx_rootfs_conf *c = conf_of(s);
	size_t k = 0;
	for (size_t i = 0; i < c->n; i++) {
		if ((c->mounts[i].kind == BX_MOUNT_TMPFS) == tmpfs)
			bx_mount_free(&c->mounts[i]);
		else
			c->mounts[k++] = c->mounts[i];
	}
	c->n = k;
}

static int set_list(struct bx_spec *s, const char *v, bool tmpfs, bx_err_t *err)
{
	cleanup_strv char **w = NULL;
	if (bx_words_split(v, &w, err) < 0)
		return -1;
	drop_kind(s, tmpfs);
	for (size_t i = 0; w[i]; i++)
		if ((tmpfs ? set_tmpfs : set_volume)(s, w[i], err) < 0)
			return -1;
	return 0;
}

static int set_volume_list(struct bx_spec *s, const char *v, bx_err_t *err) { return set_list(s, v, false, err); }
static int set_tmpfs_list(struct bx_spec *s, const char *v, bx_err_t *err) { return set_list(s, v, true, err); }

static char *get_list(const struct bx_spec *s, bool tmpfs)
{
	const struct bx_rootfs_conf *c = bx_rootfs_conf(s);
	char **v = NULL;
	for (size_t i = 0; c && i < c->n; i++)
		if ((c->mounts[i].kind == BX_MOUNT_TMPFS) == tmpfs)
			strv_push(&v, c->mounts[i].spec);
	if (!v)
		return NULL;
	char *out = bx_words_join(v);
	strv_free(v);
	return out;
}

static char *get_volume_list(const struct bx_spec *s) { return get_list(s, false); }
static char *get_tmpfs_list(const struct bx_spec *s) { return get_list(s, true); }

static int set_read_only(struct bx_spec *s, const char *v, bx_err_t *err)
{
	bool on = true;
	if (v && bx_parse_bool(v, &on) < 0)
		return bx_usage_error(err, "read_only: \"%s\" is not a boolean (allowed: true, false, on, off, yes, no, "
				      "1, 0)", v);
	conf_of(s)->read_only = on;
	return 0;
}

static char *get_read_only(const struct bx_spec *s)
{
	const struct bx_rootfs_conf *c = bx_rootfs_conf(s);
	return xstrdup(c && c->read_only ? "true" : "false");
}

const struct bx_opt bx_rootfs_opts[] = {
	{"volume", 'v', NULL, NULL, "SRC:DST[:ro]", "mount a host directory (absolute SRC) or a named volume (see "
	 "'boxlab volume') at DST (repeatable)", set_volume, NULL},
	{NULL, 0, "rootfs", "volumes", "WORDS", "volumes, shell-quoted SRC:DST[:ro] words (INI only)", set_volume_list,
	 get_volume_list},
	{"tmpfs", 0, NULL, NULL, "PATH[:OPTS]", "mount a tmpfs at PATH; OPTS: size=64m,mode=1777,... (repeatable; "
	 "noexec,nosuid,nodev by default)", set_tmpfs, NULL},
	{NULL, 0, "rootfs", "tmpfs", "WORDS", "tmpfs mounts, shell-quoted PATH[:OPTS] words (INI only)",
	 set_tmpfs_list, get_tmpfs_list},
	{"read-only", 0, "rootfs", "read_only", NULL, "make the root file system read-only (add --tmpfs for "
	 "what must be writable)", set_read_only, get_read_only},
	{0},
};
