#include "runspans.h"

int run_span_verdict(const json_t *processes, long long pid, long long from, long long to)
{
	const json_t *spans = json_object_get(processes, "shared_spans"), *span;
	int any = 0, verdict = 0;
	size_t i;
	json_array_foreach(spans, i, span)
	{
		if (json_integer_value(json_array_get(span, 0)) != pid)
			continue;
		any = 1;
		long long start = json_integer_value(json_array_get(span, 1)), end = json_integer_value(json_array_get(span, 2));
		if (start <= from && end >= to)
			return 1;
		if (start < to && end >= from)
			verdict = -1;
	}
	return any ? verdict : 2;
}

static int in_pids(const json_t *processes, long long pid)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(processes, "pids"), i, v)
	{
		if (json_is_integer(v) && json_integer_value(v) == pid)
			return 1;
	}
	return 0;
}

int run_pid_verdict(const json_t *processes, long long pid, long long from, long long to)
{
	if (!json_is_true(json_object_get(processes, "complete")))
		return -1;
	if (pid <= 0 || !in_pids(processes, pid))
		return 0;
	int when = run_span_verdict(processes, pid, from, to);
	return when == 2 ? 1 : when;
}
