/* `boxlab run` flags -> struct bx_spec, and back through config.ini.
 *
 * The input is the words after "run", separated by NUL bytes.  Every
 * accepted spec is written as INI (what the state dir keeps, and what gc
 * reads back to tear a crashed container down), loaded again, and
 * written again: the two texts must be the same, or a replayed
 * container would differ from the one that ran. */
#include "fuzz.h"
#include "core/err.h"
#include "core/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_WORDS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	bx_fuzz_spec_env();
	return 0;
}

static char *ini_text(const struct bx_spec *s)
{
	/* On the heap: gcc takes a local that open_memstream fills for a
	 * dangling pointer (-Wdangling-pointer). */
	struct {
		char *buf;
		size_t len;
	} *m = calloc(1, sizeof *m);
	FILE *f = open_memstream(&m->buf, &m->len);
	bx_spec_write_ini(s, f);
	fclose(f);
	char *text = m->buf;
	free(m);
	return text;
}

static void round_trip(const struct bx_spec *s)
{
	char *first = ini_text(s), path[64], *second;
	struct bx_spec again;
	bx_err_t err = NULL;
	int fd = memfd_create("fuzz.ini", MFD_CLOEXEC);
	if (fd < 0 || write(fd, first, strlen(first)) != (ssize_t)strlen(first))
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	bx_spec_init(&again);
	if (bx_spec_load_ini(&again, path, &err) < 0) {
		fprintf(stderr, "config.ini written from accepted flags does not load: %s\n---\n%s---\n", err->msg,
			first);
		abort();
	}
	second = ini_text(&again);
	/* Past the first line, a comment naming the container: a generated
	 * name is not kept (a replay generates a new one). */
	if (strcmp(strchr(first, '\n'), strchr(second, '\n'))) {
		fprintf(stderr, "config.ini changes when replayed:\n--- first\n%s--- second\n%s---\n", first, second);
		abort();
	}
	free(second);
	bx_spec_free(&again);
	close(fd);
	free(first);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[MAX_WORDS + 1];
	int argc = 0;
	struct bx_spec s;
	bx_err_t err = NULL;

	memcpy(buf, data, size);
	buf[size] = '\0';
	for (size_t i = 0; i <= size && argc < MAX_WORDS;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	for (int i = 0; i < argc; i++)
		if (bx_fuzz_names_host_file(argv[i])) {
			free(buf);
			return 0;
		}
	bx_spec_init(&s);
	if (bx_spec_parse_args(&s, argc, argv, &err) == 0 && bx_spec_finalize(&s, &err) == 0)
		round_trip(&s);
	bx_error_release(&err);
	bx_spec_free(&s);
	free(buf);
	return 0;
}
