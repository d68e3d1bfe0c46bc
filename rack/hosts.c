/* hosts.c: the rack's /etc/hosts block, and splicing it into a file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hosts.h"

void hosts_block(const struct inventory *inv, FILE *out)
{
	fprintf(out, "%s (rack %s, from pirack hosts: edits here are lost)\n",
		HOSTS_BEGIN, inv->name);
	for (size_t i = 0; i < inv->nnodes; i++)
		fprintf(out, "%s\t%s\n", inv->nodes[i].address,
			inv->nodes[i].name);
	fprintf(out, "%s\n", HOSTS_END);
}

static char *hosts_read(const char *file, size_t *len, mode_t *mode, char *err,
			size_t errlen)
{
	FILE *f = fopen(file, "r");
	char *buf = NULL;
	size_t cap = 0, n;
	struct stat st;

	*len = 0;
	*mode = 0644;
	if (!f && errno == ENOENT)
		return calloc(1, 1); /* a new file gets just the block */
	if (!f || fstat(fileno(f), &st) < 0)
		goto fail;
	*mode = st.st_mode & 07777;
	do {
		if (*len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = cap * 2 + 8192);

			if (!nb) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, 4096, f);
		*len += n;
	} while (n > 0);
	if (ferror(f))
		goto fail;
	fclose(f);
	buf[*len] = '\0';
	if (memchr(buf, '\0', *len)) {
		snprintf(err, errlen, "%s: holds NUL bytes, not a hosts file",
			 file);
		free(buf);
		return NULL;
	}
	return buf;
fail:
	snprintf(err, errlen, "%s: %s", file, strerror(errno));
	if (f)
		fclose(f);
	free(buf);
	return NULL;
}

/* Start of the line that begins with MARK at or after FROM, or NULL. */
static const char *hosts_find(const char *buf, const char *from,
			      const char *mark)
{
	size_t n = strlen(mark);

	for (const char *p = from; *p;) {
		if ((p == buf || p[-1] == '\n') && strncmp(p, mark, n) == 0)
			return p;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return NULL;
}

static unsigned hosts_lineno(const char *buf, const char *at)
{
	unsigned line = 1;

	for (const char *p = buf; p < at; p++)
		line += *p == '\n';
	return line;
}

/* Replaces FILE's contents: a temp file renamed over it, keeping mode. */
static int hosts_write(const char *file, const char *data, size_t len,
		       mode_t mode, char *err, size_t errlen)
{
	char tmp[4200];
	int fd, saved;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.pirack-XXXXXX", file);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: creating a temporary file: %s", file,
			 strerror(errno));
		return -1;
	}
	f = fdopen(fd, "w");
	if (!f || fchmod(fd, mode) < 0 || fwrite(data, 1, len, f) != len ||
	    fflush(f) == EOF || fsync(fd) < 0) {
		snprintf(err, errlen, "%s: writing: %s", tmp, strerror(errno));
		if (f)
			fclose(f);
		else
			close(fd);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	if (rename(tmp, file) == 0)
		return 0;
	saved = errno; /* unlink() may change it */
	unlink(tmp);
	if (saved != EBUSY && saved != EXDEV) {
		snprintf(err, errlen, "%s: %s", file, strerror(saved));
		return -1;
	}
	/* a bind-mounted file (containers' /etc/hosts): rewrite in place */
	f = fopen(file, "w");
	if (!f) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	if (fwrite(data, 1, len, f) != len) {
		saved = errno;
		fclose(f);
		snprintf(err, errlen, "%s: writing: %s", file, strerror(saved));
		return -1;
	}
	if (fclose(f) == EOF) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	return 0;
}

int hosts_apply(const struct inventory *inv, const char *file, bool *changed,
		char *err, size_t errlen)
{
	char *old, *block = NULL, *out = NULL;
	const char *begin, *end, *tail;
	size_t oldlen, blocklen, outlen = 0;
	mode_t mode;
	FILE *f;
	int rc = -1;

	*changed = false;
	old = hosts_read(file, &oldlen, &mode, err, errlen);
	if (!old)
		return -1;
	begin = hosts_find(old, old, HOSTS_BEGIN);
	end = begin ? hosts_find(old, begin, HOSTS_END) : NULL;
	if (begin && !end) {
		snprintf(err, errlen,
			 "%s:%u: '%s' without a '%s' line after "
			 "it; fix the file by hand",
			 file, hosts_lineno(old, begin), HOSTS_BEGIN,
			 HOSTS_END);
		goto out;
	}
	if (!begin && (end = hosts_find(old, old, HOSTS_END))) {
		snprintf(err, errlen,
			 "%s:%u: '%s' without a '%s' line before "
			 "it; fix the file by hand",
			 file, hosts_lineno(old, end), HOSTS_END, HOSTS_BEGIN);
		goto out;
	}
	if (end && hosts_find(old, end, HOSTS_BEGIN)) {
		snprintf(err, errlen,
			 "%s:%u: a second pirack block; remove "
			 "one by hand",
			 file,
			 hosts_lineno(old, hosts_find(old, end, HOSTS_BEGIN)));
		goto out;
	}
	f = open_memstream(&block, &blocklen);
	if (!f)
		goto oom;
	hosts_block(inv, f);
	if (fclose(f) == EOF)
		goto oom;
	f = open_memstream(&out, &outlen);
	if (!f)
		goto oom;
	if (begin) {
		tail = strchr(end, '\n');
		tail = tail ? tail + 1 : old + oldlen;
		fwrite(old, 1, begin - old, f);
		fwrite(block, 1, blocklen, f);
		fputs(tail, f);
	} else {
		fwrite(old, 1, oldlen, f);
		if (oldlen && old[oldlen - 1] != '\n')
			fputc('\n', f);
		fwrite(block, 1, blocklen, f);
	}
	if (fclose(f) == EOF)
		goto oom;
	if (outlen == oldlen && memcmp(out, old, oldlen) == 0) {
		rc = 0;
		goto out;
	}
	rc = hosts_write(file, out, outlen, mode, err, errlen);
	*changed = rc == 0;
	goto out;
oom:
	snprintf(err, errlen, "%s: out of memory", file);
out:
	free(old);
	free(block);
	free(out);
	return rc;
}
