/* log.c: leveled logging to stderr (or syslog once daemonised). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include "log.h"

/*
 * The log settings are process-wide by nature (stderr is), like ntpd's
 * log.c: set once from main and on -v, never from a module.
 */
static struct {
	bool verbose;
	bool syslog;
	bool journal;	  /* stderr is the systemd journal: prefix <N> */
	const char *name; /* the program, before each line */
} log_conf = { .name = "pirackd" };

/* True when stderr is the stream systemd passed in JOURNAL_STREAM. */
static bool log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%lu:%lu", &dev, &ino) != 2)
		return false;
	if (fstat(2, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(bool verbose, bool to_syslog)
{
	log_conf.verbose = verbose;
	log_conf.syslog = to_syslog;
	log_conf.journal = !to_syslog && log_stderr_is_journal();
	if (to_syslog)
		openlog(log_conf.name, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_name(const char *name)
{
	log_conf.name = name;
}

void log_set_verbose(bool verbose)
{
	log_conf.verbose = verbose;
}

static void log_vlog(int pri, const char *fmt, va_list ap, int errnum)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum) {
		size_t n = strlen(msg);

		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));
	}
	if (log_conf.syslog)
		syslog(pri, "%s", msg);
	else if (log_conf.journal)
		fprintf(stderr, "<%d>%s\n", pri, msg);
	else
		fprintf(stderr, "%s: %s\n", log_conf.name, msg);
}

void log_warn(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, errnum);
	va_end(ap);
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_conf.verbose)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, errnum);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
