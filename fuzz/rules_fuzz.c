/* libFuzzer target: any bytes as SHMTRACE_INJECT, through the rule parser
 * that both `shmtrace run` and the library use. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/inject.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	struct inject_rules rules = {0};
	char err[INJECT_RULE_TEXT + 256];
	inject_parse(&rules, text, size % 2, err, sizeof err);
	free(text);
	return 0;
}
