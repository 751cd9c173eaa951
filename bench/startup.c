/* Start-up cost: runs CMD N times and prints the median wall time of one
 * run in microseconds.   usage: startup N CMD [ARGS...] */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 2 ? atoi(argv[1]) : 0;
	if (n <= 0)
		return 2;
	double *us = calloc((size_t)n, sizeof *us);
	for (int i = 0; i < n; i++) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		pid_t pid = fork();
		if (pid == 0) {
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		int status;
		waitpid(pid, &status, 0);
		clock_gettime(CLOCK_MONOTONIC, &b);
		us[i] = (double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3;
	}
	qsort(us, (size_t)n, sizeof *us, by_value);
	printf("%.1f\n", us[n / 2]);
	return 0;
}
