/* An image layer archive (tar, plain or compressed; `boxlab image
 * import`) extracted into a fresh directory on the fuzzer's private
 * tmpfs.  Whatever it holds, nothing may appear outside that directory:
 * checked after every input. */
#include "fuzz.h"
#include "core/archive.h"
#include "core/err.h"
#include "util/fs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char top[4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(top, sizeof top, "%s", bx_fuzz_sandbox(1));
	return 0;
}

/* The sandbox holds exactly layer.tar and dst (or nothing at all);
 * anywhere else is read-only (bx_fuzz_sandbox). */
static void check_nothing_outside(void)
{
	DIR *d = opendir(top);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "dst") ||
		    !strcmp(e->d_name, "layer.tar"))
			continue;
		fprintf(stderr, "extraction wrote %s%s, outside its directory\n", top, e->d_name);
		abort();
	}
	if (d)
		closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char src[4200], dst[4200];
	struct bx_layer_info info;
	bx_err_t err = NULL;
	snprintf(src, sizeof src, "%slayer.tar", top);
	snprintf(dst, sizeof dst, "%sdst", top);
	FILE *f = fopen(src, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size))
		abort();
	fclose(f);
	if (mkdir(dst, 0755) < 0)
		abort();
	memset(&info, 0, sizeof info);
	if (bx_archive_extract(src, dst, NULL, &info, &err) < 0 && bx_error_errno(err) == EROFS) {
		fprintf(stderr, "extraction tried to write outside its directory: %s\n", err->msg);
		abort();
	}
	bx_error_release(&err);
	check_nothing_outside();
	if (bx_rm_rf(dst, &err) < 0) {
		fprintf(stderr, "cannot clean up: %s\n", err->msg);
		abort();
	}
	unlink(src);
	return 0;
}
