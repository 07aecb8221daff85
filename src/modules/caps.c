/* caps: POSIX capabilities (man 7 capabilities).  Root's power is split
 * into about 40 capabilities; a process holds five sets of them:
 *
 *   bounding     the most it can ever get, also through setuid binaries
 *   permitted    what it may switch on
 *   effective    what the kernel checks right now
 *   inheritable  what survives execve into a program with file caps
 *   ambient      what survives execve for a non-root user
 *
 * The container gets Docker's default 14 (CHOWN DAC_OVERRIDE FSETID
 * FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE
 * SYS_CHROOT KILL AUDIT_WRITE), changed with --cap-add/--cap-drop.  The
 * bounding set is cut to that list before anything of the user runs, so
 * no setuid binary or file capability can bring the rest back; inheritable
 * and ambient are emptied, as Docker does since CVE-2022-24769 (a non-empty
 * inheritable set let file-capability binaries regain dropped caps).
 * Permitted and effective stay full until the user switch is done (it
 * needs SETUID/SETGID even when the user dropped them, and seccomp may
 * need SYS_ADMIN to load without no_new_privs), then child_finish cuts
 * them to the list too; an execve recomputes them from the bounding set
 * anyway (root: the bounding set; any other user: nothing).
 *
 * It blocks, with the user namespace as the second wall: mounting
 * (SYS_ADMIN), raw I/O and module loading (SYS_RAWIO, SYS_MODULE),
 * tracing other processes (SYS_PTRACE), changing the clock (SYS_TIME)...
 * With the module off the container keeps root's full set (inside its
 * user namespace, so still not the host's).
 *
 * Escape demos: mount the host disk, load a module, ptrace a process.
 * Lesson 06 (capabilities).
 */
#include "modules/caps.h"
#include "modules/module.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

struct caps_conf {
	bool base_set;
	uint64_t base, add, drop;
};

unsigned bx_caps_last(void)
{
	static unsigned last;
	if (last)
		return last;
	bx_err_t tmp = NULL;
	cleanup_free char *s = bx_read_file("/proc/sys/kernel/cap_last_cap", NULL, &tmp);
	bx_error_release(&tmp);
	last = s ? (unsigned)atoi(s) : CAP_LAST_CAP;
	if (last == 0 || last > 62)
		last = CAP_LAST_CAP;
	return last;
}

uint64_t bx_caps_all(void)
{
	unsigned last = bx_caps_last();
	return last >= 63 ? ~0ULL >> 1 : (1ULL << (last + 1)) - 1;
}

uint64_t bx_caps_docker_default(void)
{
	static const int d[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE, CAP_FSETID,  CAP_FOWNER,		CAP_MKNOD,
				CAP_NET_RAW, CAP_SETGID,      CAP_SETUID,  CAP_SETFCAP,	CAP_SETPCAP,
				CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE};
	uint64_t m = 0;
	for (size_t i = 0; i < N_ELEMENTS(d); i++)
		m |= 1ULL << d[i];
	return m;
}

const char *bx_caps_name(unsigned cap)
{
	static char names[64][40];
	if (cap > 62)
		return "CAP_UNKNOWN";
	if (!names[cap][0]) {
		char *n = cap_to_name((cap_value_t)cap); /* "cap_chown", or "41" when libcap is older */
		if (n && !isdigit((unsigned char)n[0])) {
			size_t i;
			for (i = 0; n[i] && i < sizeof names[cap] - 1; i++)
				names[cap][i] = (char)toupper((unsigned char)n[i]);
			names[cap][i] = '\0';
		} else {
			snprintf(names[cap], sizeof names[cap], "CAP_%u", cap);
		}
		cap_free(n);
	}
	return names[cap];
}

int bx_caps_from_name(const char *name)
{
	const char *n = name;
	if (!strncasecmp(n, "CAP_", 4))
		n += 4;
	if (!*n)
		return -1;
	for (unsigned c = 0; c <= bx_caps_last(); c++)
		if (!strcasecmp(bx_caps_name(c) + 4, n))
			return (int)c;
	return -1;
}

static char *allowed_names(void)
{
	char **v = NULL;
	for (unsigned c = 0; c <= bx_caps_last(); c++)
		strv_push(&v, bx_caps_name(c) + 4);
	strv_push(&v, "ALL");
	char *s = strv_join(v, ", ");
	strv_free(v);
	return s;
}

int bx_caps_parse_list(const char *list, uint64_t *mask, bx_err_t *err)
{
	cleanup_free char *copy = xstrdup(list);
	char *save = NULL;
	*mask = 0;
	for (char *w = strtok_r(copy, " \t,", &save); w; w = strtok_r(NULL, " \t,", &save)) {
		if (!strcasecmp(w, "ALL") || !strcasecmp(w, "CAP_ALL")) {
			*mask |= BX_CAPS_ALL_BIT;
			continue;
		}
		int c = bx_caps_from_name(w);
		if (c < 0) {
			cleanup_free char *allowed = allowed_names();
			return bx_usage_error(err, "unknown capability \"%s\" (allowed, with or without CAP_, any case: %s)",
					      w, allowed);
		}
		*mask |= 1ULL << c;
	}
	return 0;
}

char *bx_caps_format(uint64_t mask)
{
	char **v = xzalloc(sizeof *v);
	for (unsigned c = 0; c <= bx_caps_last(); c++)
		if (mask & (1ULL << c))
			strv_push(&v, bx_caps_name(c));
	char *s = strv_join(v, " ");
	strv_free(v);
	return s;
}

uint64_t bx_caps_resolve(uint64_t base, uint64_t add, uint64_t drop)
{
	uint64_t all = bx_caps_all();
	if (add & BX_CAPS_ALL_BIT)
		return all & ~drop;
	if (drop & BX_CAPS_ALL_BIT)
		return add & all;
	return ((base & ~drop) | add) & all;
}

static struct caps_conf *conf_of(struct bx_spec *s)
{
	struct caps_conf *c = bx_spec_conf(s, "caps", sizeof *c);
	if (!c->base_set) {
		c->base = bx_caps_docker_default();
		c->base_set = true;
	}
	return c;
}

uint64_t bx_caps_of_spec(struct bx_spec *s)
{
	int idx = bx_module_index("caps");
	if (idx < 0 || !s->modules[idx])
		return bx_caps_all();
	struct caps_conf *c = conf_of(s);
	return bx_caps_resolve(c->base, c->add, c->drop);
}

static int set_add(struct bx_spec *s, const char *v, bx_err_t *err)
{
	uint64_t m;
	if (bx_caps_parse_list(v, &m, err) < 0)
		return -1;
	conf_of(s)->add |= m;
	return 0;
}

static int set_drop(struct bx_spec *s, const char *v, bx_err_t *err)
{
	uint64_t m;
	if (bx_caps_parse_list(v, &m, err) < 0)
		return -1;
	conf_of(s)->drop |= m;
	return 0;
}

static int set_caps(struct bx_spec *s, const char *v, bx_err_t *err)
{
	uint64_t m;
	if (bx_caps_parse_list(v, &m, err) < 0)
		return -1;
	struct caps_conf *c = conf_of(s);
	c->base = m & BX_CAPS_ALL_BIT ? bx_caps_all() : m;
	return 0;
}

static char *get_caps(const struct bx_spec *s)
{
	/* The final list, so the INI replays exactly and inspect shows
	 * what the container really holds. */
	struct caps_conf tmp = {.base_set = true, .base = bx_caps_docker_default()};
	int idx = bx_module_index("caps");
	const struct caps_conf *c = idx >= 0 && s->conf[idx] ? s->conf[idx] : &tmp;
	return bx_caps_format(bx_caps_resolve(c->base_set ? c->base : bx_caps_docker_default(), c->add, c->drop));
}

static const struct bx_opt caps_opts[] = {
	{"cap-add", 0, NULL, NULL, "CAP", "add a capability to the default set (repeatable; NET_ADMIN, CAP_NET_ADMIN "
	 "or ALL)", set_add, NULL},
	{"cap-drop", 0, NULL, NULL, "CAP", "drop a capability (repeatable; ALL keeps only the --cap-add ones)",
	 set_drop, NULL},
	{NULL, 0, "security", "capabilities", "CAPS", "the container's capabilities, the final list (INI only; "
	 "default: Docker's 14)", set_caps, get_caps},
	{0},
};

static void probe(struct bx_probe *out)
{
	cap_t c = cap_get_proc();
	out->ok = c != NULL && prctl(PR_CAPBSET_READ, CAP_CHOWN) >= 0;
	if (c)
		cap_free(c);
	snprintf(out->why, sizeof out->why, out->ok ? "capabilities: %u known to this kernel (last %s)"
		 : "cannot read capabilities (%u known)", bx_caps_last() + 1, bx_caps_name(bx_caps_last()));
}

/* Bounding set cut to the list, inheritable and ambient emptied. */
static int limit_sets(struct bx_box *box, bx_err_t *err)
{
	uint64_t keep = bx_caps_of_spec(box->spec);
	for (unsigned c = 0; c <= bx_caps_last(); c++) {
		if (keep & (1ULL << c))
			continue;
		if (cap_drop_bound((cap_value_t)c) < 0 && errno != EINVAL)
			return bx_make_error(err, errno, "caps: cannot drop %s from the bounding set", bx_caps_name(c));
	}
	/* One prctl: libcap's cap_reset_ambient() first asks about every
	 * capability in turn (~40 prctl calls here).  EINVAL: a kernel
	 * before 4.3, which has no ambient set to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return bx_make_error(err, errno, "caps: cannot clear the ambient set");
	cap_t cur = cap_get_proc();
	if (!cur)
		return bx_make_error(err, errno, "caps: cannot read the capability sets");
	int ret = 0;
	if (cap_clear_flag(cur, CAP_INHERITABLE) < 0 || cap_set_proc(cur) < 0)
		ret = bx_make_error(err, errno, "caps: cannot clear the inheritable set");
	cap_free(cur);
	return ret;
}

/* After the user switch: permitted and effective cut to the list. */
static int trim_sets(struct bx_box *box, bx_err_t *err)
{
	uint64_t keep = bx_caps_of_spec(box->spec);
	cap_t cur = cap_get_proc();
	if (!cur)
		return bx_make_error(err, errno, "caps: cannot read the capability sets");
	for (unsigned c = 0; c <= bx_caps_last(); c++) {
		cap_value_t v = (cap_value_t)c;
		if (!(keep & (1ULL << c))) {
			cap_set_flag(cur, CAP_PERMITTED, 1, &v, CAP_CLEAR);
			cap_set_flag(cur, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
		}
	}
	int ret = 0;
	if (cap_set_proc(cur) < 0)
		ret = bx_make_error(err, errno, "caps: cannot set the permitted and effective sets");
	cap_free(cur);
	return ret;
}

const struct bx_module bx_module_caps = {
	.name = "caps",
	.summary = "capabilities: Docker's default 14 of root's ~40, changed with --cap-add/--cap-drop",
	.blocks = "mount, module loading, raw I/O, ptrace, clock changes and the other root powers not granted",
	.kind = BX_KIND_SECURITY,
	.default_on = true,
	.options = caps_opts,
	.probe = probe,
	.child_setup = limit_sets,
	.child_finish = trim_sets,
	.exec_child = limit_sets,
};
