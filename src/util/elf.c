#include "util/elf.h"
#include "util/hex.h"
#include "util/xalloc.h"

#include <elf.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* The NT_GNU_BUILD_ID note among the notes in buf. */
static char *find_note(const unsigned char *buf, size_t len)
{
	size_t off = 0;
	while (off + sizeof(Elf64_Nhdr) <= len) {
		Elf64_Nhdr n;
		memcpy(&n, buf + off, sizeof n);
		size_t name = off + sizeof n, desc = name + ((n.n_namesz + 3) & ~3u);
		size_t next = desc + ((n.n_descsz + 3) & ~3u);
		if (next > len || next <= off)
			return NULL;
		bool gnu_id = n.n_type == NT_GNU_BUILD_ID && n.n_namesz == 4 && !memcmp(buf + name, "GNU", 4);
		if (gnu_id && n.n_descsz > 0) {
			char *id = xmalloc(2 * (size_t)n.n_descsz + 1);
			bx_hex(buf + desc, n.n_descsz, id);
			return id;
		}
		off = next;
	}
	return NULL;
}

char *bx_elf_build_id(int fd)
{
	Elf64_Ehdr eh;
	if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 256)
		return NULL;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		unsigned char buf[1024];
		if (pread(fd, &ph, sizeof ph, (off_t)(eh.e_phoff + i * sizeof ph)) != (ssize_t)sizeof ph)
			return NULL;
		if (ph.p_type != PT_NOTE || ph.p_filesz > sizeof buf)
			continue;
		ssize_t n = pread(fd, buf, ph.p_filesz, (off_t)ph.p_offset);
		char *id = n == (ssize_t)ph.p_filesz ? find_note(buf, (size_t)n) : NULL;
		if (id)
			return id;
	}
	return NULL;
}
