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
#include "util.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char mark_usage[] =
	"usage: mprof mark LABEL...\n"
	"       mprof mark --begin NAME...\n"
	"       mprof mark --end [NAME...]\n"
	"\n"
	"From a program run by 'mprof run' (typically a shell script), record an\n"
	"instant marker, or begin or end a span drawn as a bracket by mprof plot.\n"
	"Several words are joined by spaces. Spans nest; --end ends the innermost\n"
	"span the calling shell began (with NAME: the innermost one so named, and\n"
	"any left open inside it). Outside 'mprof run' it warns and does nothing.\n"
	"\n"
	"  -b, --begin   begin a span NAME\n"
	"  -e, --end     end a span\n"
	"  -h, --help    this text\n";

static const struct option mark_options[] = {
	{ "begin", no_argument, NULL, 'b' },
	{ "end", no_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
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
	char kind = 'M', line[MPROF__LINE_MAX];
	const char *path = getenv(MPROF_EVENTS_ENV);
	char *name = NULL;
	struct timespec ts;
	int c, fd, guard;
	size_t len;

	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+beh", mark_options, NULL)) != -1) {
		switch (c) {
		case 'b':
		case 'e':
			if (kind != 'M' && kind != (c == 'b' ? 'B' : 'E'))
				die_usage("mark", "options --begin and --end: give one of them");
			kind = c == 'b' ? 'B' : 'E';
			break;
		case 'h':
			fputs(mark_usage, stdout);
			return EXIT_OK;
		default:
			die_usage("mark", "unknown option '%s'; accepted: --begin, --end, --help "
				  "(a label starting with '-' goes after --)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		name = join_words(argv + optind, argc - optind);
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
