/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 vunet authors
 */

/*
 * The handler runs on whichever thread touched the page (a worker, or
 * rte_vhost's), so it uses only system calls and its own stack: open,
 * read and close of /proc/self/maps, and one mmap. The table it reads is
 * written by the relay thread; an entry is marked invalid while it is
 * rewritten, so the handler never matches half of one.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vunet_memguard.h"

#define GUARD_SLOTS 256     /* the relay's ports */
#define GUARD_FILES 32      /* per slot: a table (8), a log, and the last */

struct guard_file {
	uint32_t gen;           /* 0: unused */
	uint32_t major, minor;
	uint64_t ino;
	uint64_t blksize;
};

static struct guard_file files[GUARD_SLOTS][GUARD_FILES];
static unsigned int next_file[GUARD_SLOTS];
static uint32_t faulted_gen[GUARD_SLOTS];
static uint64_t n_faults;
static struct sigaction previous;
static bool installed;

struct vma {
	uintptr_t start, end;
	uint32_t major, minor;
	uint64_t ino;
};

static const char *
hex(const char *p, const char *end, uint64_t *v)
{
	*v = 0;
	for (; p < end; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (*p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else
			break;
		*v = *v << 4 | d;
	}
	return p;
}

static const char *
dec(const char *p, const char *end, uint64_t *v)
{
	*v = 0;
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		*v = *v * 10 + (uint64_t)(*p - '0');
	return p;
}

static const char *
skip_field(const char *p, const char *end)
{
	while (p < end && *p != ' ')
		p++;
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* "start-end perms offset major:minor inode path" */
static bool
parse_line(const char *p, const char *end, struct vma *v)
{
	uint64_t a, b, major, minor;

	p = hex(p, end, &a);
	if (p >= end || *p != '-')
		return false;
	p = hex(p + 1, end, &b);
	p = skip_field(p, end);           /* to perms */
	p = skip_field(p, end);           /* to offset */
	p = skip_field(p, end);           /* to the device */
	p = hex(p, end, &major);
	if (p >= end || *p != ':')
		return false;
	p = hex(p + 1, end, &minor);
	p = skip_field(p, end);
	dec(p, end, &v->ino);
	v->start = (uintptr_t)a;
	v->end = (uintptr_t)b;
	v->major = (uint32_t)major;
	v->minor = (uint32_t)minor;
	return true;
}

/* The mapping that holds addr, from /proc/self/maps. */
static bool
find_vma(uintptr_t addr, struct vma *out)
{
	char buf[4096];
	size_t have = 0;
	bool found = false;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	while (!found) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		char *line = buf, *nl;

		if (n <= 0)
			break;
		have += (size_t)n;
		while (!found &&
		       (nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			struct vma v;

			if (parse_line(line, nl, &v) && addr >= v.start &&
			    addr < v.end) {
				*out = v;
				found = true;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		if (have == sizeof(buf))
			have = 0;         /* a line longer than the buffer */
	}
	close(fd);
	return found;
}

static const struct guard_file *
lookup(const struct vma *v, unsigned int *slot)
{
	for (unsigned int s = 0; s < GUARD_SLOTS; s++)
		for (unsigned int i = 0; i < GUARD_FILES; i++) {
			const struct guard_file *f = &files[s][i];

			if (__atomic_load_n(&f->gen, __ATOMIC_ACQUIRE) != 0 &&
			    f->ino == v->ino && f->major == v->major &&
			    f->minor == v->minor) {
				*slot = s;
				return f;
			}
		}
	return NULL;
}

static void
on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t addr = (uintptr_t)si->si_addr, start;
	const struct guard_file *f;
	unsigned int slot;
	struct vma v;
	int saved = errno;

	if (si->si_code == BUS_ADRERR && find_vma(addr, &v) &&
	    v.ino != 0 && (f = lookup(&v, &slot)) != NULL) {
		start = addr & ~(uintptr_t)(f->blksize - 1);
		if (start < v.start)
			start = v.start;
		/* the rest of the mapping: the file is shorter past here */
		if (mmap((void *)start, v.end - start, PROT_READ | PROT_WRITE,
			 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) !=
		    MAP_FAILED) {
			__atomic_store_n(&faulted_gen[slot], f->gen,
					 __ATOMIC_RELEASE);
			__atomic_fetch_add(&n_faults, 1, __ATOMIC_RELAXED);
			errno = saved;
			return;
		}
	}
	/* not guest memory: whoever was there before, or death */
	if (previous.sa_flags & SA_SIGINFO) {
		if (previous.sa_sigaction != NULL) {
			previous.sa_sigaction(sig, si, ctx);
			return;
		}
	} else if (previous.sa_handler != SIG_DFL &&
		   previous.sa_handler != SIG_IGN) {
		previous.sa_handler(sig);
		return;
	}
	signal(SIGBUS, SIG_DFL);  /* the access faults again, and kills */
}

int
vunet_memguard_init(void)
{
	struct sigaction sa;

	if (installed)
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &previous) < 0)
		return -errno;
	installed = true;
	return 0;
}

void
vunet_memguard_add(unsigned int slot, uint32_t gen, dev_t dev, ino_t ino,
		   uint64_t blksize)
{
	struct guard_file *f;

	if (slot >= GUARD_SLOTS || gen == 0)
		return;
	for (unsigned int i = 0; i < GUARD_FILES; i++) {
		f = &files[slot][i];
		if (f->gen == gen && f->ino == ino && f->major == major(dev) &&
		    f->minor == minor(dev))
			return;           /* the same file again */
	}
	f = &files[slot][next_file[slot]++ % GUARD_FILES];
	__atomic_store_n(&f->gen, 0, __ATOMIC_RELEASE);
	f->major = major(dev);
	f->minor = minor(dev);
	f->ino = ino;
	/* rte_vhost maps in st_blksize units; a page is at least 4 KiB */
	f->blksize = blksize >= 4096 && (blksize & (blksize - 1)) == 0 ?
		     blksize : 4096;
	__atomic_store_n(&f->gen, gen, __ATOMIC_RELEASE);
}

int
vunet_memguard_faulted(unsigned int slot, uint32_t gen)
{
	if (slot >= GUARD_SLOTS || gen == 0)
		return 0;
	return __atomic_compare_exchange_n(&faulted_gen[slot], &gen, 0, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

uint64_t
vunet_memguard_faults(void)
{
	return __atomic_load_n(&n_faults, __ATOMIC_RELAXED);
}
