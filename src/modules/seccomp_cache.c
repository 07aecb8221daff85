/* Compiled seccomp programs, kept between runs: a start loads the
 * program of its profile from $BOXLAB_LIB_DIR/cache/seccomp/ instead of
 * building the profile and compiling it with libseccomp (~0.15 ms of
 * every start, the default profile's ~500 instructions).
 *
 * A wrong entry would be a wrong filter, so the key is a SHA-256 of
 * everything the program depends on: the profile's name and, for a file,
 * its bytes; the container's capabilities and the kernel release (Docker
 * profiles' includes/excludes); and this very binary (device, inode,
 * size and mtime of /proc/self/exe: the builtin profiles and the libseccomp
 * linked in).  An entry is used only when its stored key and sizes match
 * exactly; anything else is a miss, compiled and written anew.  The
 * directory is root's (0700), like the rest of boxlab's state.  Entries
 * of other binaries are removed when a new one is written, so rebuilds
 * do not pile them up. */
#include "modules/seccomp.h"
#include "core/state.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/hex.h"
#include "util/sha256.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAGIC "BXSCBPF1"

struct header {
	char magic[8];
	uint8_t key[32];
	uint32_t ninsns, nrules, log_flag, source_len;
};

static char *cache_dir(void)
{
	return xasprintf("%s/cache/seccomp", bx_lib_dir());
}

/* The binary's identity, also the prefix of its entries' names. */
static int exe_id(uint8_t id[32])
{
	struct stat st;
	if (stat("/proc/self/exe", &st) < 0)
		return -1;
	struct bx_sha256 c;
	uint64_t v[] = {(uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec,
			(uint64_t)st.st_mtim.tv_nsec};
	bx_sha256_init(&c);
	bx_sha256_update(&c, v, sizeof v);
	bx_sha256_final(&c, id);
	return 0;
}

int bx_sc_cache_key(const char *spec, const struct bx_sc_env *env, struct bx_sc_cache_key *k)
{
	struct bx_sha256 c;
	struct utsname u;
	if (exe_id(k->exe) < 0)
		return -1;
	bx_sha256_init(&c);
	bx_sha256_update(&c, MAGIC, sizeof MAGIC);
	bx_sha256_update(&c, k->exe, sizeof k->exe);
	bx_sha256_update(&c, spec, strlen(spec) + 1);
	if (!bx_sc_builtin(spec)) {
		bx_err_t tmp = NULL;
		size_t len = 0;
		cleanup_free char *text = bx_read_file(spec, &len, &tmp);
		if (!text) {
			bx_error_release(&tmp);
			return -1; /* the compile will say what is wrong with it */
		}
		bx_sha256_update(&c, text, len);
	}
	bx_sha256_update(&c, &env->caps, sizeof env->caps);
	const char *kernel = env->kernel ? env->kernel : (uname(&u) == 0 ? u.release : "");
	bx_sha256_update(&c, kernel, strlen(kernel) + 1);
	bx_sha256_final(&c, k->key);
	return 0;
}

/* Names start with 8 bytes of the binary's identity (prune). */
#define EXE_PREFIX 8

static char *entry_path(const struct bx_sc_cache_key *k)
{
	char exe[2 * EXE_PREFIX + 1], key[BX_SHA256_HEX];
	bx_hex(k->exe, EXE_PREFIX, exe);
	bx_hex(k->key, sizeof k->key, key);
	cleanup_free char *dir = cache_dir();
	return xasprintf("%s/%s-%s.bpf", dir, exe, key);
}

bool bx_sc_cache_get(const struct bx_sc_cache_key *k, struct bx_sc_prog *prog, struct bx_sc_cache_meta *meta)
{
	bx_err_t tmp = NULL;
	size_t len = 0;
	cleanup_free char *path = entry_path(k);
	cleanup_free char *data = bx_read_file(path, &len, &tmp);
	struct header h;
	bx_error_release(&tmp);
	if (!data || len < sizeof h)
		return false;
	memcpy(&h, data, sizeof h);
	if (memcmp(h.magic, MAGIC, sizeof h.magic) || memcmp(h.key, k->key, sizeof h.key) || !h.ninsns ||
	    h.ninsns > 0xffff || len != sizeof h + h.source_len + (size_t)h.ninsns * sizeof *prog->insns)
		return false;
	prog->len = h.ninsns;
	prog->insns = xmalloc(prog->len * sizeof *prog->insns);
	memcpy(prog->insns, data + sizeof h + h.source_len, prog->len * sizeof *prog->insns);
	meta->source = xstrndup(data + sizeof h, h.source_len);
	meta->nrules = h.nrules;
	meta->log_flag = h.log_flag != 0;
	return true;
}

/* Entries of binaries other than this one. */
static void prune(const struct bx_sc_cache_key *k, const char *dir)
{
	char exe[2 * EXE_PREFIX + 1];
	bx_hex(k->exe, EXE_PREFIX, exe);
	cleanup_dir DIR *d = opendir(dir);
	for (struct dirent *e; d && (e = readdir(d));)
		if (e->d_name[0] != '.' && strncmp(e->d_name, exe, 2 * EXE_PREFIX))
			unlinkat(dirfd(d), e->d_name, 0);
}

void bx_sc_cache_put(const struct bx_sc_cache_key *k, const struct bx_sc_prog *prog,
		     const struct bx_sc_cache_meta *meta)
{
	bx_err_t tmp = NULL;
	cleanup_free char *dir = cache_dir(), *path = entry_path(k);
	struct header h = {.ninsns = (uint32_t)prog->len, .nrules = (uint32_t)meta->nrules,
			   .log_flag = meta->log_flag, .source_len = (uint32_t)strlen(meta->source)};
	size_t len = sizeof h + h.source_len + prog->len * sizeof *prog->insns;
	cleanup_free char *data = xmalloc(len);
	memcpy(h.magic, MAGIC, sizeof h.magic);
	memcpy(h.key, k->key, sizeof h.key);
	memcpy(data, &h, sizeof h);
	memcpy(data + sizeof h, meta->source, h.source_len);
	memcpy(data + sizeof h + h.source_len, prog->insns, prog->len * sizeof *prog->insns);
	/* A cache that cannot be written is only slower: no error. */
	if (bx_mkdir_p(dir, 0700, &tmp) == 0) {
		prune(k, dir);
		bx_write_file_atomic(path, data, len, &tmp);
	}
	bx_error_release(&tmp);
}
