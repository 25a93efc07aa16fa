#include "commands.h"
#include "util.h"

int cmd_peak(int argc, char **argv)
{
	(void)argc;
	die("%s: not built yet", argv[0]);
}

