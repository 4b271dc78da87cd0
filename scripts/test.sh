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
# Pinned, with every dependency (scripts/moto-constraints.txt), so that a new
# release upstream cannot break the tests; the same pin is MOTO_REQUIREMENT in
# crates/testkit/src/moto.rs.
MOTO_REQUIREMENT='moto[server]==5.2.5'
step "moto (AWS API emulator) in target/moto-venv"
pins="$MOTO_REQUIREMENT $(sha256sum scripts/moto-constraints.txt | cut -d' ' -f1)"
if [ -x target/moto-venv/bin/moto_server ] && [ "$(cat target/moto-venv/.logship-pins 2>/dev/null)" = "$pins" ]; then
  echo "up to date: $MOTO_REQUIREMENT"
else
  echo "installing $MOTO_REQUIREMENT and its dependencies from PyPI (one-time, about a minute)..."
  mkdir -p target
  rm -rf target/moto-venv
  python3 -m venv target/moto-venv
  # pip's own progress (one line per package) instead of minutes of silence.
  target/moto-venv/bin/pip install --disable-pip-version-check --no-input --progress-bar off \
    --constraint scripts/moto-constraints.txt "$MOTO_REQUIREMENT" |
    grep --line-buffered -E '^(Collecting|Successfully installed)' | cut -c1-100
  echo "$pins" >target/moto-venv/.logship-pins
fi

step "cargo test --workspace (the first build takes 10-20 minutes on 2 cores)"
log=target/test-output.log
cargo test --workspace --locked 2>&1 | tee "$log"

if [ -x scripts/validate-deploy.sh ]; then
  step "deployment: arm64 build, serverless package, cfn-lint, sam validate"
  # The arm64 build only has to build and package here: no LTO (minutes
  # sooner). Run scripts/validate-deploy.sh on its own for the deploy artifact.
  VALIDATE_DEPLOY_QUICK_BUILD=${VALIDATE_DEPLOY_QUICK_BUILD:-1} scripts/validate-deploy.sh
fi

# One closing line for the whole run.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
