#include "commands.h"
#include "util.h"

int cmd_mark(int argc, char **argv)
{
	(void)argc;
	die("%s: not built yet", argv[0]);
}

