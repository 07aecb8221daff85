/* Who the student is, and where their progress and work live.  A class
 * shares one VM and runs boxlab through sudo: SUDO_USER tells the
 * students apart, so each has their own progress.json, work dirs and
 * container names ("<user>-NN-..."), and nobody's check sees another's
 * containers. */
#include "cli/lesson.h"
#include "core/state.h"
#include "util/xalloc.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Lower case, and only what a container name allows ([a-z0-9_.-],
 * starting with a letter or digit), at most 40 characters; '-' becomes
 * '_', so that "<user>-NN-" (what `lesson reset` removes) of user
 * "alice" can never be the start of user "alice-00"'s names. */
static void sanitize(char *dst, size_t size, const char *src)
{
	size_t j = 0;
	for (size_t i = 0; src[i] && j + 1 < size && j < 40; i++) {
		char c = src[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.'))
			c = '_';
		if (j == 0 && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			dst[j++] = 'u';
		dst[j++] = c;
	}
	dst[j] = '\0';
}

/* /etc/passwd read directly (fgetpwent): the static binary has no NSS
 * modules to load, and students are local accounts on the lab VM. */
struct passwd *bx_lesson_passwd(const char *name, uid_t uid)
{
	FILE *f = fopen("/etc/passwd", "re");
	struct passwd *pw;
	if (!f)
		return NULL;
	while ((pw = fgetpwent(f)))
		if (name ? !strcmp(pw->pw_name, name) : pw->pw_uid == uid)
			break;
	fclose(f); /* pw points into a static buffer, not into f */
	return pw;
}

const char *bx_lesson_user(void)
{
	static char user[48];
	if (user[0])
		return user;
	const char *sudo = getenv("SUDO_USER");
	if (getuid() == 0 && sudo && *sudo && strcmp(sudo, "root")) {
		sanitize(user, sizeof user, sudo);
	} else {
		struct passwd *pw = bx_lesson_passwd(NULL, getuid());
		if (pw && pw->pw_name[0])
			sanitize(user, sizeof user, pw->pw_name);
	}
	if (!user[0])
		snprintf(user, sizeof user, "uid%u", (unsigned)getuid());
	return user;
}

char *bx_lesson_state_dir(void)
{
	const char *d = getenv("BOXLAB_LESSON_STATE");
	if (d && *d)
		return xstrdup(d);
	return xasprintf("%s/lessons", bx_lib_dir());
}

char *bx_lesson_work_dir(const struct bx_lesson *l)
{
	char *root = bx_lesson_state_dir();
	char *w = xasprintf("%s/%s/%s", root, bx_lesson_user(), l->id);
	free(root);
	return w;
}

char *bx_lesson_lab(const struct bx_lesson *l)
{
	return xasprintf("%s-%s", bx_lesson_user(), l->id);
}
