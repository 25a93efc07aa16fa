#include "commands.h"
#include "util.h"

int cmd_plot(int argc, char **argv)
{
	(void)argc;
	die("%s: not built yet", argv[0]);
}

