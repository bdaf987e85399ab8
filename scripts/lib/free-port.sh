# Sourced by the test-server scripts (scripts/*-test-*.sh), which define `fail MESSAGE`.

# A random port in 20000-59999 that nothing listens on right now (the server may still lose a
# race for it; the scripts' start retries with another then).
free_port_candidate() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  fail "no free port found"
}
