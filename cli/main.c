/* shmtrace: dispatch to a subcommand, or print help or the version. */
#include <stdio.h>
#include <string.h>

#include "../common/version.h"
#include "cli.h"

static const char usage[] =
	"Usage: shmtrace COMMAND [OPTIONS] [ARGS]\n"
	"Trace, fail on purpose, and audit the System V IPC and POSIX shared memory\ncalls of unmodified programs.\n"
	"\n"
	"Commands:\n"
	"  run      run a program with libshmtrace.so preloaded and write its trace\n"
	"  report   audit a run's traces: leaked segments, sets, queues, keys, misuse\n"
	"  sweep    fail each shared-memory call in turn: which failures crash, hang, leak\n"
	"  help     show the help of a command\n"
	"\n"
	"Options:\n"
	"  -h, --help     show this help\n"
	"  -V, --version  show the version\n"
	"\n"
	"'shmtrace help run' (or 'shmtrace run --help') shows a command's options.\n";

static int help(const char *command)
{
	if (!command) {
		fputs(usage, stdout);
		return 0;
	}
	static const struct {
		const char *name;
		const char *usage;
	} helps[] = {{"run", run_usage}, {"report", report_usage}, {"sweep", sweep_usage}};
	for (size_t i = 0; i < sizeof helps / sizeof *helps; i++)
		if (strcmp(command, helps[i].name) == 0) {
			fputs(helps[i].usage, stdout);
			return 0;
		}
	errorf("no help for '%s': not a command (see 'shmtrace --help')", command);
	return EXIT_SHMTRACE_FAILED;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return EXIT_SHMTRACE_FAILED;
	}
	const char *command = argv[1];
	filesize_hold();
	if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0)
		return help(NULL);
	if (strcmp(command, "-V") == 0 || strcmp(command, "--version") == 0) {
		puts("shmtrace " SHMTRACE_VERSION "\nLicense: MIT");
		return 0;
	}
	if (strcmp(command, "help") == 0)
		return help(argc > 2 ? argv[2] : NULL);
	if (strcmp(command, "run") == 0)
		return cmd_run(argc - 1, argv + 1);
	if (strcmp(command, "report") == 0)
		return cmd_report(argc - 1, argv + 1);
	if (strcmp(command, "sweep") == 0)
		return cmd_sweep(argc - 1, argv + 1);
	errorf("unknown command '%s' (see 'shmtrace --help')", command);
	return EXIT_SHMTRACE_FAILED;
}
