/* Named volumes: directories boxlab keeps for containers, outside any
 * container's state, so that they outlive `boxlab rm` (Docker's local
 * volume driver).  $BOXLAB_LIB_DIR/volumes/NAME/_data is what is
 * mounted; the directory around it is for boxlab alone.
 *
 * Unlike Docker, `run -v NAME:/path` does not create a missing volume:
 * a typo in a name would silently give an empty one. */
#include "core/state.h"
#include "modules/rootfs.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/xalloc.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int bx_volume_check_name(const char *name, bx_err_t *err)
{
	size_t len = strlen(name);
	bool ok = len > 0 && len <= 64;
	for (size_t i = 0; ok && i < len; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     (i > 0 && strchr("_.-", c));
	}
	if (!ok)
		return bx_usage_error(err, "invalid volume name \"%s\" (allowed: [a-zA-Z0-9][a-zA-Z0-9_.-]{0,63})", name);
	return 0;
}

char *bx_volume_dir(const char *name)
{
	return xasprintf("%s/volumes/%s", bx_lib_dir(), name);
}

char *bx_volume_data(const char *name)
{
	return xasprintf("%s/volumes/%s/_data", bx_lib_dir(), name);
}

bool bx_volume_exists(const char *name)
{
	cleanup_free char *d = bx_volume_data(name);
	struct stat st;
	return stat(d, &st) == 0 && S_ISDIR(st.st_mode);
}

static int strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **bx_volume_list(void)
{
	char **v = xzalloc(sizeof *v);
	cleanup_free char *base = xasprintf("%s/volumes", bx_lib_dir());
	cleanup_dir DIR *d = opendir(base);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && bx_volume_exists(e->d_name))
			strv_push(&v, e->d_name);
	qsort(v, strv_len(v), sizeof *v, strcmp_p);
	return v;
}

int bx_volume_missing(const char *name, bx_err_t *err)
{
	cleanup_strv char **all = bx_volume_list();
	cleanup_free char *list = strv_join(all, ", ");
	return bx_usage_error(err, "no such volume: %s (create it with 'boxlab volume create %s'; volumes: %s)", name,
			      name, *list ? list : "none");
}

int bx_volume_create(const char *name, uid_t uid, gid_t gid, bool *existed, bx_err_t *err)
{
	if (bx_volume_check_name(name, err) < 0)
		return -1;
	*existed = bx_volume_exists(name);
	if (*existed)
		return 0;
	cleanup_free char *base = xasprintf("%s/volumes", bx_lib_dir());
	cleanup_free char *dir = bx_volume_dir(name);
	cleanup_free char *data = bx_volume_data(name);
	/* The volume's own directory is root's; _data belongs to container
	 * root, who must be able to write to it through the mount. */
	if (bx_mkdir_p(base, 0711, err) < 0)
		return -1;
	if (mkdir(dir, 0711) < 0 && errno != EEXIST)
		return bx_make_error(err, errno, "cannot create volume %s", dir);
	if (mkdir(data, 0755) < 0 && errno != EEXIST)
		return bx_make_error(err, errno, "cannot create volume %s", data);
	if (chown(data, uid, gid) < 0)
		return bx_make_error(err, errno, "cannot chown %s", data);
	return 0;
}

char **bx_volume_users(const char *name)
{
	char **users = xzalloc(sizeof *users);
	cleanup_strv char **all = bx_state_list();
	for (size_t i = 0; all && all[i]; i++) {
		struct bx_spec spec;
		bx_err_t tmp = NULL;
		if (bx_state_load_spec(all[i], &spec, &tmp) == 0) {
			const struct bx_rootfs_conf *c = bx_rootfs_conf(&spec);
			bool uses = false;
			for (size_t k = 0; c && k < c->n; k++)
				uses |= c->mounts[k].kind == BX_MOUNT_VOLUME && !strcmp(c->mounts[k].source, name);
			if (uses)
				strv_push(&users, all[i]);
		}
		bx_error_release(&tmp);
		bx_spec_free(&spec);
	}
	return users;
}

int bx_volume_remove(const char *name, bx_err_t *err)
{
	if (bx_volume_check_name(name, err) < 0)
		return -1;
	if (!bx_volume_exists(name))
		return bx_volume_missing(name, err);
	cleanup_strv char **users = bx_volume_users(name);
	if (users[0]) {
		cleanup_free char *list = strv_join(users, ", ");
		bx_usage_error(err, "volume %s is in use by container%s %s", name, users[1] ? "s" : "", list);
		return bx_error_hint(err, "remove %s first with 'boxlab rm'", users[1] ? "them" : "it");
	}
	cleanup_free char *dir = bx_volume_dir(name);
	cleanup_free char *gone = xasprintf("%s/volumes/.rm-%s-%d", bx_lib_dir(), name, getpid());
	if (rename(dir, gone) < 0)
		return bx_make_error(err, errno, "cannot remove %s", dir);
	return bx_rm_rf(gone, err);
}
