# Shared by the CLI test scripts (sourced): checks that count, exit-code expectations, and the final tally.
# expect_rc writes the command's output to $work/last.out and $work/last.err.
pass=0 fail=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass=$((pass + 1)); echo "ok   $name"; else fail=$((fail + 1)); echo "FAIL $name"; fi
}
expect_rc() {  # expect_rc WANT COMMAND...
  local want=$1; shift
  "$@" >"$work/last.out" 2>"$work/last.err"; local rc=$?
  [ "$rc" -eq "$want" ] || { echo "  exit $rc, wanted $want: $*"; tail -15 "$work/last.err"; return 1; }
}
finish() { echo "$pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
