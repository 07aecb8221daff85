/* Replays inputs through a fuzz target without libFuzzer: each argument
 * is a file, or a directory whose files are all run.  make fuzz-regress
 * runs every target over its corpus (seeds and past crashes) this way,
 * built by gcc with the normal flags (with SAN=1: under ASan+UBSan).
 * Exit 0 when every input ran; a crash is the sanitizer's report. */
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

struct input {
	char *path;
	uint8_t *data;
	size_t size;
};

static struct input *inputs;
static size_t ninputs;

static int add_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return -1;
	}
	size_t cap = 4096, n = 0, r;
	uint8_t *buf = malloc(cap);
	while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	inputs = realloc(inputs, (ninputs + 1) * sizeof *inputs);
	inputs[ninputs++] = (struct input){strdup(path), buf, n};
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir(const char *top)
{
	DIR *d = opendir(top);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int ret = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		names[n++] = strdup(e->d_name);
	}
	if (d)
		closedir(d);
	qsort(names, n, sizeof *names, cmp);
	for (size_t k = 0; k < n; k++) {
		char *p = malloc(strlen(top) + strlen(names[k]) + 2);
		sprintf(p, "%s/%s", top, names[k]);
		if (ret == 0 && add_file(p) < 0)
			ret = -1;
		free(p);
		free(names[k]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	/* Everything is read first: the target may chdir or chroot. */
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) < 0) {
			perror(argv[i]);
			return 1;
		}
		if ((S_ISDIR(st.st_mode) ? add_dir(argv[i]) : add_file(argv[i])) < 0)
			return 1;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (size_t i = 0; i < ninputs; i++) {
		LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].size);
		free(inputs[i].data);
		free(inputs[i].path);
	}
	free(inputs);
	printf("%s: %zu input%s ran\n", argv[0], ninputs, ninputs == 1 ? "" : "s");
	return 0;
}
