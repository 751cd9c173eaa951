#!/bin/sh
# docs/performance.md anew: the figures of bench/run.sh ($1) put in place
# of those in its "Latest figures" block, the rest of the page ($2, as it
# is) kept as written -- it is edited by hand, with each change measured.
#   bench/write-doc.sh RESULTS PAGE > NEW-PAGE
set -eu
[ -s "$1" ] && [ -s "$2" ] || { echo "write-doc.sh: usage: write-doc.sh RESULTS PAGE" >&2; exit 2; }
grep -q '^## Latest figures$' "$2" || { echo "write-doc.sh: $2 has no '## Latest figures' section" >&2; exit 2; }
awk -v results="$1" '
	state == 0 { print }
	state == 0 && /^## Latest figures$/ { state = 1; next }
	state == 1 && /^```$/ {
		print
		while ((getline line < results) > 0)
			print line
		state = 2
		next
	}
	state == 1 { print; next }
	state == 2 && /^```$/ { print; state = 3; next }
	state == 3 { print }
' "$2"
