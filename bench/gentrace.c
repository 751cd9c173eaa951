/* A synthetic trace for the analyzer's benchmark: EVENTS call records in
 * one process, cycles of shmget/shmat/shmdt/IPC_RMID from 16 call sites
 * with 12-frame stacks, so the live set stays small however long it is.
 *   usage: gentrace DIR EVENTS */
#include <stdio.h>
#include <stdlib.h>

#define SITES 16

static void stack(FILE *f, int id)
{
	fprintf(f, "{\"event\":\"stack\",\"id\":%d,\"frames\":[", id);
	for (int i = 0; i < 12; i++)
		fprintf(f, "%s{\"ip\":\"0x55d0c1c9%04x\",\"module\":\"/usr/lib/x86_64-linux-gnu/libexample.so.%d\",\"offset\":\"0x%x\"}",
			i ? "," : "", id * 64 + i, i % 3, 0x1000 + id * 64 + i);
	fputs("]}\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	long events = atol(argv[2]);
	char path[4096];
	snprintf(path, sizeof path, "%s/shmtrace.1000.jsonl", argv[1]);
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	fputs("{\"event\":\"header\",\"format\":\"shmtrace\",\"version\":1,\"tool\":\"gentrace\",\"pid\":1000,\"proc_start\":1,\"backtrace\":12,\"seed\":1,\"inject\":[]}\n", f);
	fputs("{\"event\":\"start\",\"pid\":1000,\"tid\":1000,\"ts\":1,\"realtime\":1,\"ppid\":1,\"uid\":0,\"euid\":0,\"exe\":\"/usr/bin/example\",\"cwd\":\"/\",\"argv\":[\"example\"]}\n", f);
	for (int s = 1; s <= SITES; s++)
		stack(f, s);
	unsigned long long ts = 1000;
	for (long i = 0; i < events; i += 4) {
		int id = (int)(i / 4) * 32768 + 7, site = (int)(i / 4 % (SITES / 4)) * 4 + 1;
		unsigned long addr = 0x7f0000000000ul + (unsigned long)(i % 4096) * 4096;
		fprintf(f, "{\"event\":\"call\",\"call\":\"shmget\",\"seq\":%ld,\"pid\":1000,\"tid\":1000,\"ts\":%llu,\"dur\":900,\"args\":{\"key\":\"0x00000000\",\"size\":4096,\"shmflg\":896,\"flags\":[\"IPC_CREAT\"],\"mode\":\"0600\"},\"ret\":%d,\"errno\":null,\"injected\":false,\"created\":true,\"stack\":%d}\n", i + 1, ts += 1000, id, site);
		fprintf(f, "{\"event\":\"call\",\"call\":\"shmat\",\"seq\":%ld,\"pid\":1000,\"tid\":1000,\"ts\":%llu,\"dur\":900,\"args\":{\"shmid\":%d,\"shmaddr\":\"0x0\",\"shmflg\":0,\"flags\":[]},\"ret\":\"0x%lx\",\"errno\":null,\"injected\":false,\"stack\":%d}\n", i + 2, ts += 1000, id, addr, site + 1);
		fprintf(f, "{\"event\":\"call\",\"call\":\"shmdt\",\"seq\":%ld,\"pid\":1000,\"tid\":1000,\"ts\":%llu,\"dur\":900,\"args\":{\"shmaddr\":\"0x%lx\"},\"ret\":0,\"errno\":null,\"injected\":false,\"stack\":%d}\n", i + 3, ts += 1000, addr, site + 2);
		fprintf(f, "{\"event\":\"call\",\"call\":\"shmctl\",\"seq\":%ld,\"pid\":1000,\"tid\":1000,\"ts\":%llu,\"dur\":900,\"args\":{\"shmid\":%d,\"cmd\":\"IPC_RMID\",\"cmd_raw\":0,\"buf\":\"0x0\"},\"ret\":0,\"errno\":null,\"injected\":false,\"stack\":%d}\n", i + 4, ts += 1000, id, site + 3);
	}
	fprintf(f, "{\"event\":\"exit\",\"pid\":1000,\"tid\":1000,\"ts\":%llu,\"realtime\":1,\"status\":0,\"how\":\"exit\"}\n", ts + 1);
	return fclose(f) != 0;
}
