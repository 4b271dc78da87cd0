#!/usr/bin/env bash
# Every test, on a fresh machine: installs what the tests need from the package
# registries, then runs the whole workspace's tests (one shared build) and the
# offline deployment validation. `.ci/run` runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; }

# The AWS API emulator the tests talk to (SSM, SQS, CloudWatch Logs): moto in
# server mode, in a virtualenv under target/. The tests start it themselves; it
# is installed here so that a missing registry fails loudly, up front.
step "moto (AWS API emulator) in target/moto-venv"
if [ ! -x target/moto-venv/bin/moto_server ]; then
  mkdir -p target
  python3 -m venv target/moto-venv
  target/moto-venv/bin/pip install --quiet --disable-pip-version-check 'moto[server]'
fi

step "cargo test --workspace"
log=target/test-output.log
cargo test --workspace --locked 2>&1 | tee "$log"

if [ -x scripts/validate-deploy.sh ]; then
  step "deployment: arm64 build, serverless package, cfn-lint, sam validate"
  scripts/validate-deploy.sh
fi

# One closing line for the whole run.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
