/* Scope-bound cleanup, as crun and bubblewrap do it: a variable declared
 * with one of these attributes releases its resource when it goes out of
 * scope, so error paths cannot leak.  Hand ownership out with steal_*. */
#ifndef BX_CLEANUP_H
#define BX_CLEANUP_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void bx_freep(void *p);
void bx_closep(int *fd);
void bx_fclosep(FILE **f);
void bx_closedirp(DIR **d);
void bx_strvfreep(char ***v);

#define cleanup_free __attribute__((cleanup(bx_freep)))
#define cleanup_close __attribute__((cleanup(bx_closep)))
#define cleanup_file __attribute__((cleanup(bx_fclosep)))
#define cleanup_dir __attribute__((cleanup(bx_closedirp)))
#define cleanup_strv __attribute__((cleanup(bx_strvfreep)))

static inline void *bx_steal_ptr(void *pp)
{
	void **p = pp, *v = *p;
	*p = NULL;
	return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp)))bx_steal_ptr(pp))

static inline int steal_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

#endif
