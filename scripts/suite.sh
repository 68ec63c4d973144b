#!/usr/bin/env bash
# Runs one suite of `make test` quietly: `make TARGET` with its whole output in
# target/test-logs/NAME.log, then one line: "NAME: ok (…)" with what the log counts (tests passed,
# files checked), or, on failure, the last lines of the log and "NAME: FAILED". A passing suite
# prints nothing else, so valgrind's suppressed stacks, cargo's notes and the simulator's delivery
# logs stay in the log.
#
# Usage: scripts/suite.sh NAME TARGET   (LOG_TAIL=N: lines shown on failure, default 80)
set -uo pipefail
cd "$(dirname "$0")/.."

name=$1 target=$2
logs=target/test-logs
mkdir -p "$logs"
log=$logs/$name.log
start=$SECONDS
"${MAKE:-make}" --no-print-directory "$target" >"$log" 2>&1 </dev/null
status=$?
elapsed=$((SECONDS - start))

# What the log counts, in each runner's words.
summary=$(python3 - "$log" <<'EOF'
import re, sys
text = open(sys.argv[1], errors="replace").read()
parts = []
cargo = [tuple(map(int, m)) for m in re.findall(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", text)]
if cargo:
    parts.append("cargo: %d passed, %d failed, %d ignored" % tuple(sum(c[i] for c in cargo) for i in range(3)))
for m in re.findall(r"^=+ (\d+ (?:passed|failed)[^=]*?) =*$|^(\d+ passed(?:, \d+ \w+)*) in [\d.]+s", text, re.M):
    parts.append("pytest: " + (m[0] or m[1]).strip())
mypy = re.findall(r"^Success: no issues found in (\d+) source files?", text, re.M)
if mypy:
    parts.append("mypy: %d files clean" % sum(map(int, mypy)))
c_runs = re.findall(r"^(\d+) passed, (\d+) failed$", text, re.M)
if c_runs:
    parts.append("%d C/C++ test run%s: %s" % (len(c_runs), "s" if len(c_runs) > 1 else "",
                                              " / ".join("%s passed, %s failed" % r for r in c_runs)))
go_ok = re.findall(r"^ok\s+\S+", text, re.M)
if go_ok:
    parts.append("go: %d packages ok" % len(go_ok))
docs = re.findall(r"^docs: (.*)$", text, re.M)
parts.extend(docs)
apidocs = re.findall(r"^apidocs: (.*)$", text, re.M)  # scripts/apidocs.py, scripts/godoc
if apidocs:
    parts.append("documented: " + ", ".join(a.split(":")[0] for a in apidocs if "every" in a)
                 + "".join("; UNDOCUMENTED " + a for a in apidocs if "every" not in a))
if not parts:  # no runner's counts: the log's last line says what passed
    lines = [line for line in text.splitlines() if line.strip()]
    parts.append(lines[-1].strip() if lines else "no output")
print("; ".join(parts))
EOF
)

if [[ $status -eq 0 ]]; then
    echo "$name: ok (${summary}; ${elapsed}s; log: $log)"
    exit 0
fi
tail_lines=${LOG_TAIL:-80}
echo "---- $name: the last $tail_lines lines of $log ----" >&2
tail -n "$tail_lines" "$log" >&2
echo "$name: FAILED (make $target exited $status after ${elapsed}s; whole log: $log)" >&2
exit "$status"
