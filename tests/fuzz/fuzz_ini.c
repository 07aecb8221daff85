/* A spec file (`run --config FILE`, and every container's config.ini,
 * which gc reads back after a crash) -> struct bx_spec.  An accepted
 * file is written out again and that text must load too. */
#include "fuzz.h"
#include "core/err.h"
#include "core/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bx_fuzz_spec_env();
	return 0;
}

static int load(const void *text, size_t len, struct bx_spec *s, bx_err_t *err)
{
	char path[64];
	int fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
	if (fd < 0 || (len && write(fd, text, len) != (ssize_t)len))
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	bx_spec_init(s);
	int r = bx_spec_load_ini(s, path, err);
	close(fd);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bx_spec s, again;
	bx_err_t err = NULL;
	char *copy = strndup((const char *)data, size);
	/* A value naming a device (seccomp = /dev/zero) would be read. */
	int skip = bx_fuzz_names_host_file(copy);
	free(copy);
	if (skip)
		return 0;
	if (load(data, size, &s, &err) == 0) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		bx_spec_write_ini(&s, f);
		fclose(f);
		if (load(text, len, &again, &err) < 0) {
			fprintf(stderr, "an accepted spec, written out, does not load: %s\n---\n%s---\n", err->msg, text);
			abort();
		}
		bx_spec_free(&again);
		free(text);
	}
	bx_error_release(&err);
	bx_spec_free(&s);
	return 0;
}
