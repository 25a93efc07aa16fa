/* mprof mark: send a marker or a span from a shell script being profiled.
 *
 * Speaks the event protocol (events.h) through the same code as <mprof.h>,
 * with the pid and thread id of the calling shell (our parent), so that a
 * script's --begin and --end pair up as one thread's span.
 */
#include "commands.h"
#include "channel.h"
#include "events.h"
#include "include/mprof.h"
#include "options.h"
#include "util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct mark_args {
	bool begin, end;
};

static const struct opt mark_opts[] = {
	OPT_BOOL('b', "begin", struct mark_args, begin, "begin a span NAME"),
	OPT_BOOL('e', "end", struct mark_args, end, "end a span"),
	OPT_END(),
};

const struct opt_cmd opt_cmd_mark = {
	"mark", OPT_USAGE("mprof mark LABEL...", "mprof mark --begin NAME...", "mprof mark --end [NAME...]"),
	"From a program run by 'mprof run' (typically a shell script), record an\n"
	"instant marker, or begin or end a span drawn as a bracket by mprof plot.\n"
	"Several words are joined by spaces; a label starting with '-' goes after\n"
	"--. Spans nest; --end ends the innermost span the calling shell began\n"
	"(with NAME: the innermost one so named, and any left open inside it).\n"
	"Outside 'mprof run' it warns and does nothing.\n",
	mark_opts, NULL, OPT_STOP_AT_ARG,
};

static char *join_words(char **words, int n)
{
	size_t len = 1;
	char *s, *p;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	p = s = xmalloc(len);
	for (int i = 0; i < n; i++) {
		size_t l = strlen(words[i]);

		if (i)
			*p++ = ' ';
		memcpy(p, words[i], l);
		p += l;
	}
	*p = '\0';
	return s;
}

int cmd_mark(int argc, char **argv)
{
	struct mark_args a = { 0 };
	char kind, line[MPROF__LINE_MAX];
	const char *path = getenv(MPROF_EVENTS_ENV);
	char *name = NULL;
	struct timespec ts;
	int nargs, fd, guard;
	size_t len;

	nargs = opt_parse(&opt_cmd_mark, &a, argc, argv);
	if (a.begin && a.end)
		die_usage("mark", "options --begin and --end: give one of them");
	kind = a.begin ? 'B' : a.end ? 'E' : 'M';
	if (nargs)
		name = join_words(argv, nargs);
	if ((!name || !*name) && kind != 'E')
		die_usage("mark", kind == 'B' ? "--begin: a span NAME is needed"
					      : "a LABEL is needed");
	if (name && strchr(name, '\n'))
		die_usage("mark", "a name or label cannot hold a newline");
	if (name && strlen(name) > EVENT_LINE_MAX - 64)
		die_usage("mark", "a name or label is at most %d bytes", EVENT_LINE_MAX - 64);
	if (!path || !*path) {
		warning("mark: not under 'mprof run' (%s is not set): nothing recorded",
			MPROF_EVENTS_ENV);
		goto done;
	}
	fd = mprof__open(path, &guard);
	if (fd < 0) {
		warning("mark: the 'mprof run' that set %s has ended: nothing recorded",
			MPROF_EVENTS_ENV);
		goto done;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	len = mprof__format(line, kind, (long)getppid(), (long)getppid(), (long)ts.tv_sec,
			    ts.tv_nsec / 1000, name);
	if (mprof__send(fd, line, len) < 0)
		warning("mark: 'mprof run' stopped reading events: nothing recorded");
	close(fd);
	close(guard);
done:
	free(name);
	return EXIT_OK;
}
