#include "commands.h"
#include "util.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	die("%s: not built yet", argv[0]);
}

int cmd_attach(int argc, char **argv)
{
	(void)argc;
	die("%s: not built yet", argv[0]);
}

