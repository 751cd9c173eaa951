/* What the report's reader (analyzer/scan.c, its one parser of call
 * records) reads from each call record of trace files, in the same words
 * tests/bin/extremes prints what it passed and got:
 *   scan PID SEQ CALL field=value ...      ("scan - unreadable: LINE" if not)
 * Strings are shown as the hex of their bytes (common/bytestext.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../analyzer/scan.h"
#include "../../common/bytestext.h"

static void hexbytes(const char *text)
{
	char bytes[8192];
	long n = text_to_bytes(text, bytes, sizeof bytes);
	if (n < 0) {
		printf("(bad text)");
		return;
	}
	for (long i = 0; i < n; i++)
		printf("%02x", (unsigned char)bytes[i]);
}

/* The fields of the call, as extremes.c prints them. */
static void show(const char *path, const struct call_rec *c)
{
	printf("%s %lld %llu %s", path, c->pid, c->seq, c->call);
	if (strcmp(c->call, "shmget") == 0)
		printf(" key=%08x size=%llu flags=%lld", c->key, c->size, c->flags_raw);
	else if (strcmp(c->call, "shmat") == 0)
		printf(" shmid=%lld shmaddr=%llx flags=%lld", c->shmid, c->shmaddr, c->flags_raw);
	else if (strcmp(c->call, "shmdt") == 0)
		printf(" shmaddr=%llx", c->shmaddr);
	else if (strcmp(c->call, "shmctl") == 0)
		printf(" shmid=%lld cmd=%lld", c->shmid, c->cmd_raw);
	else if (strcmp(c->call, "shm_open") == 0 || strcmp(c->call, "shm_unlink") == 0 || strcmp(c->call, "ftok") == 0) {
		printf(" name=");
		hexbytes(c->name);
		if (strcmp(c->call, "shm_open") == 0)
			printf(" flags=%lld", c->flags_raw);
		if (strcmp(c->call, "ftok") == 0)
			printf(" id=%lld", c->id);
	}
	else if (strcmp(c->call, "semget") == 0)
		printf(" key=%08x nsems=%lld flags=%lld", c->key, c->nsems, c->flags_raw);
	else if (strcmp(c->call, "msgget") == 0)
		printf(" key=%08x flags=%lld", c->key, c->flags_raw);
	else if (strcmp(c->call, "semop") == 0 || strcmp(c->call, "semtimedop") == 0)
		printf(" semid=%lld nsops=%llu", c->semid, c->nsops);
	else if (strcmp(c->call, "semctl") == 0)
		printf(" semid=%lld semnum=%lld cmd=%lld", c->semid, c->semnum, c->cmd_raw);
	else if (strcmp(c->call, "msgsnd") == 0)
		printf(" msqid=%lld msgsz=%llu flags=%lld", c->msqid, c->size, c->flags_raw);
	else if (strcmp(c->call, "msgrcv") == 0)
		printf(" msqid=%lld msgsz=%llu msgtyp=%lld flags=%lld", c->msqid, c->size, c->msgtyp, c->flags_raw);
	else if (strcmp(c->call, "msgctl") == 0)
		printf(" msqid=%lld cmd=%lld", c->msqid, c->cmd_raw);
	if (strcmp(c->call, "shmat") == 0)
		printf(" ret=%llx", c->ret_addr);
	else
		printf(" ret=%lld", c->ret);
	printf(" errno=%s\n", c->failed ? c->errno_name : "null");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t len;
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		while ((len = getline(&line, &cap, f)) > 0) {
			if (strncmp(line, "{\"event\":\"call\"", 15) != 0)
				continue;
			struct call_rec *c = malloc(sizeof *c);
			char why[SCAN_WHY_CAP];
			if (scan_call(line, (size_t)len, c, why) == SCAN_CALL)
				show("scan", c);
			else
				printf("scan - unreadable%s: %s", why, line);
			free(c);
		}
		free(line);
		fclose(f);
	}
	return 0;
}
