#!/usr/bin/env bash
# Mutation testing of the rule modules with mutmut (configuration: [tool.mutmut]
# in pyproject.toml). Not part of the unit run. mutmut copies the project into
# mutants/ (git-ignored), runs the rule tests once to learn which tests reach
# which function, then runs each mutant against those tests only.
#
#   tests/mutation/run.sh                 # quizzes outbox scopes messaging risks rules turnover scores
#   tests/mutation/run.sh outbox risks    # some modules
#
# Prints killed / total and the survivors per module; exits 1 if a module
# kills fewer than MIN_KILL_RATE % (90) of its mutants. Survivors that cannot
# change behaviour are listed, with the reason, in tests/mutation/EQUIVALENT.md;
# they count as survivors here (the rate is not adjusted for them).
set -euo pipefail
cd "$(dirname "$0")/../.."

MUTMUT=${MUTMUT:-.venv/bin/mutmut}
PYTHON=${PYTHON:-.venv/bin/python}
MIN_KILL_RATE=${MIN_KILL_RATE:-90}

patterns() {
  case "$1" in
    quizzes) echo "courses.services.quizzes.*" ;;
    outbox) echo "academy.outbox.*" ;;
    # API token rules: the scope a method needs, what scopes allow, the
    # token's format and secret check (the rest of both modules is I/O).
    scopes)
      echo "academy.api.scopes.x_required_scope__mutmut_*" \
        "academy.api.scopes.x_scopes_allow__mutmut_*" \
        "academy.api_tokens.x_token_parse__mutmut_*" \
        "academy.api_tokens.x_token_matches__mutmut_*" \
        "academy.api_tokens.x_token_digest__mutmut_*"
      ;;
    risks) echo "distributors.engagement.risks.*" ;;
    messaging) echo "academy.messaging.rules.*" ;;
    rules) echo "distributors.rules.*" ;;
    scores) echo "distributors.engagement.scores.*" ;;
    # Turnover lives in distributors/selectors/network.py, next to selectors
    # it does not share code with: only its functions are counted.
    turnover)
      echo "distributors.selectors.network.x__quarter_start__mutmut_*" \
        "distributors.selectors.network.x__previous_quarter__mutmut_*" \
        "distributors.selectors.network.x__quarter_end__mutmut_*" \
        "distributors.selectors.network.x_turnover_by_quarter__mutmut_*" \
        "distributors.selectors.network.x_distributor_turnover__mutmut_*"
      ;;
    *) echo "unknown module: $1 (quizzes, outbox, scopes, risks, rules, turnover, scores)" >&2; return 1 ;;
  esac
}

modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(quizzes outbox scopes messaging risks rules turnover scores)

# Fresh mutants for the current source (mutmut keeps results between runs).
rm -rf mutants && mkdir mutants

for module in "${modules[@]}"; do
  read -r -a selected <<<"$(patterns "$module")"
  echo "== $module: mutmut run ${selected[*]}"
  "$MUTMUT" run "${selected[@]}" >"mutants/run-$module.log" 2>&1 || {
    tail -n 30 "mutants/run-$module.log"
    echo "mutmut failed for $module (log: mutants/run-$module.log)" >&2
    exit 2
  }
done

"$MUTMUT" results --all true >mutants/results.txt

failed=0
echo
printf '%-10s %8s %8s %8s %8s\n' module killed total survived rate
for module in "${modules[@]}"; do
  read -r -a selected <<<"$(patterns "$module")"
  "$PYTHON" - "$module" "$MIN_KILL_RATE" "${selected[@]}" <<'PY' || failed=1
import fnmatch
import sys

module, minimum, patterns = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
status = {}
for line in open("mutants/results.txt", encoding="utf-8"):
    name, sep, outcome = line.strip().rpartition(": ")
    if sep and any(fnmatch.fnmatch(name, pattern) for pattern in patterns):
        status[name] = outcome
total = len(status)
# A mutant that makes the tests hang is caught by the timeout: detected too.
killed = sum(1 for outcome in status.values() if outcome in ("killed", "timeout"))
survivors = sorted(name for name, outcome in status.items() if outcome not in ("killed", "timeout"))
rate = 100.0 * killed / total if total else 0.0
print(f"{module:<10} {killed:>8} {total:>8} {len(survivors):>8} {rate:>7.1f}%")
for name in survivors:
    print(f"    {status[name]:<10} {name}")
sys.exit(0 if total and rate >= minimum else 1)
PY
done

if [ "$failed" -ne 0 ]; then
  echo "a module kills fewer than $MIN_KILL_RATE % of its mutants (see the survivors above)" >&2
  exit 1
fi
