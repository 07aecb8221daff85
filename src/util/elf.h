/* The GNU build ID of an ELF file: the linker's hash of the whole
 * binary, in a note a few hundred bytes in.  Telling two builds apart by
 * it reads those bytes instead of the binary's megabytes. */
#ifndef BX_UTIL_ELF_H
#define BX_UTIL_ELF_H

/* The build ID of the 64-bit ELF file open at fd, as lower-case hex
 * (free it), or NULL when it has none (--build-id=none) or is no such
 * file. */
char *bx_elf_build_id(int fd);

#endif
