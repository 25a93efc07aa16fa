/* emit_c: a program instrumented with <mprof.h>, for the emitter tests.
 * Valid C99 and C++. It prints the ids it sends events as, so a test can
 * predict every event line:
 *
 *   emit_c nested    spans, scopes and a marker in one thread (then prints
 *                    "ring 1" if they went through the ring, else "ring 0")
 *   emit_c threads   two threads, each with its own nesting
 *   emit_c fork      a span across a fork; the child sends its own events
 *   emit_c names     NULL, empty, newline, very long and UTF-8 names
 *   emit_c spans N MS [hold]   N spans of MS milliseconds each inside a span
 *                              "all"; with hold, "all" stays open and the
 *                              program waits to be killed
 */
#include <mprof.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

/* Strict C99 hides syscall() and nanosleep(): use the header's own binding
 * of syscall, and poll() to sleep. */
static long my_tid(void)
{
	return mprof__syscall(SYS_gettid);
}

static void inner(int depth)
{
	MPROF_SCOPE("inner");
	if (depth > 0)
		inner(depth - 1);
}

static void nested(void)
{
	printf("ids %ld %ld\n", (long)getpid(), my_tid());
	mprof_begin("outer");
	mprof_mark("a label");
	inner(1);
	{
		MPROF_SCOPE("block one");
		MPROF_SCOPE("block two");
	}
	mprof_end();
	/* whether the events went through the shared-memory ring */
	printf("ring %d\n", mprof__ring_p != NULL);
}

static void *thread_main(void *arg)
{
	const char *name = (const char *)arg;

	printf("tid %s %ld\n", name, my_tid());
	fflush(stdout);
	MPROF_SCOPE(name);
	inner(0);
	mprof_mark(name);
	return NULL;
}

static void threads(void)
{
	pthread_t a, b;
	char na[] = "thread-a", nb[] = "thread-b";

	printf("ids %ld %ld\n", (long)getpid(), my_tid());
	fflush(stdout);
	mprof_begin("main");
	/* one after the other, so the expected order is fixed */
	pthread_create(&a, NULL, thread_main, na);
	pthread_join(a, NULL);
	pthread_create(&b, NULL, thread_main, nb);
	pthread_join(b, NULL);
	mprof_end();
}

static void forking(void)
{
	pid_t pid;
	int status;

	printf("ids %ld %ld\n", (long)getpid(), my_tid());
	fflush(stdout);
	mprof_begin("parent");
	pid = fork();
	if (pid == 0) {
		printf("child %ld %ld\n", (long)getpid(), my_tid());
		fflush(stdout);
		inner(0);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	mprof_end();
}

static void names(void)
{
	char *big = (char *)malloc(5000);

	printf("ids %ld %ld\n", (long)getpid(), my_tid());
	mprof_mark(NULL);
	mprof_mark("");
	mprof_mark("two\nlines");
	memset(big, 'x', 4999);
	big[4999] = '\0';
	mprof_mark(big);
	free(big);
}

static void sleep_ms(long ms)
{
	poll(NULL, 0, (int)ms);
}

static void spans(int n, long ms, int hold)
{
	char name[32];

	printf("ids %ld %ld\n", (long)getpid(), my_tid());
	fflush(stdout);
	mprof_begin("all");
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "span %d", i);
		mprof_begin(name);
		sleep_ms(ms);
		mprof_end();
	}
	printf("done\n");
	fflush(stdout);
	while (hold)
		pause();
	mprof_end();
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (!strcmp(what, "nested"))
		nested();
	else if (!strcmp(what, "threads"))
		threads();
	else if (!strcmp(what, "fork"))
		forking();
	else if (!strcmp(what, "names"))
		names();
	else if (!strcmp(what, "spans") && (argc == 4 || argc == 5))
		spans(atoi(argv[2]), atol(argv[3]), argc == 5);
	else {
		fprintf(stderr, "usage: emit_c nested|threads|fork|names|spans N MS [hold]\n");
		return 2;
	}
	return 0;
}
