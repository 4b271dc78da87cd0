#!/usr/bin/env bash
# Offline deploy validation (CI): build the Lambda artifacts for arm64,
# package the Serverless stack and lint every CloudFormation template.
#
#   scripts/validate-deploy.sh
#
# Steps (each timed; any failure exits non-zero):
#   1. tools: a virtualenv at target/deploy-tools/venv with cargo-lambda (brings
#      zig), cfn-lint and aws-sam-cli (pip, pinned); serverless@3 into
#      node_modules (npm ci, from package-lock.json); the aarch64 Rust target.
#      Skipped when already installed with the same pins / lock file.
#   2. one `cargo lambda build --release --arm64 --output-format zip` for every
#      Lambda binary of the workspace (logship, auto-subscribe, set-retention),
#      then checks each target/lambda/<bin>/bootstrap.zip holds an aarch64
#      `bootstrap`.
#   3. `serverless print`: the region comes from --region, else AWS_REGION,
#      else AWS_DEFAULT_REGION, else us-east-1.
#   4. `serverless package` with dummy credentials: a prod variant
#      (Elasticsearch with SigV4 on an OpenSearch domain, no token, reserved
#      concurrency, an existing alarm topic) into target/deploy-tools/sls-prod/,
#      and the default stage (dev, Logz.io) into .serverless/; both templates
#      are checked for their shape (mapping, queues, alarms, dashboard).
#   5. cfn-lint on both generated templates and on sar/*/template.yaml.
#   6. `sam validate --lint` on sar/*/template.yaml, and a check that their
#      AllowedPatterns refuse blank names.
#   7. report: zip and binary sizes, and the start-up time of the native
#      release binary target/release/logship when it exists.
#
# Knobs: VALIDATE_DEPLOY_QUICK_BUILD=1 (the arm64 build without LTO: it checks
# that the code builds and packages for the target, minutes sooner; the
# artifacts are not the ones to deploy; scripts/test.sh sets it),
# VALIDATE_DEPLOY_PACKAGES (cargo -p list, default "logship logship-sar"),
# PYTHON (default python3), VALIDATE_DEPLOY_SKIP_BUILD=1 (no aarch64 target,
# no arm64 release build, ~10-15 minutes of both cores: the templates are
# packaged and linted around a placeholder artifact, created for the run and
# removed after it, when target/lambda/logship/bootstrap.zip does not exist).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

CARGO_LAMBDA_VERSION=1.9.2
CFN_LINT_VERSION=1.58.0
SAM_CLI_VERSION=1.170.0
PYTHON=${PYTHON:-python3}
packages=${VALIDATE_DEPLOY_PACKAGES:-logship logship-sar}
skip_build=${VALIDATE_DEPLOY_SKIP_BUILD:-0}
quick_build=${VALIDATE_DEPLOY_QUICK_BUILD:-0}
lambda_bins=(logship auto-subscribe set-retention)

tools=$root/target/deploy-tools
venv=$tools/venv
mkdir -p "$tools"

# Dummy credentials and a fixed region: nothing below may reach AWS, and no
# local profile may leak in.
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_SESSION_TOKEN
export SLS_TELEMETRY_DISABLED=1 SLS_NOTIFICATIONS_MODE=off SAM_CLI_TELEMETRY=0
export PATH=$venv/bin:$root/node_modules/.bin:$PATH

timings=()
step() { # step NAME COMMAND...
  local name=$1 start end
  shift
  echo "==> $name"
  start=$EPOCHREALTIME
  if ! "$@"; then
    echo "FAILED: $name" >&2
    exit 1
  fi
  end=$EPOCHREALTIME
  timings+=("$(awk -v n="$name" -v s="$start" -v e="$end" 'BEGIN { printf "%-34s %7.1f s", n, e - s }')")
}

install_python_tools() {
  local want="cargo-lambda==$CARGO_LAMBDA_VERSION cfn-lint==$CFN_LINT_VERSION aws-sam-cli==$SAM_CLI_VERSION"
  local constraints=scripts/deploy-tools-constraints.txt pins
  pins="$want $(sha256sum "$constraints" | cut -d' ' -f1)"
  if [[ -x $venv/bin/cargo-lambda && -x $venv/bin/cfn-lint && -x $venv/bin/sam &&
        $(cat "$venv/.logship-pins" 2>/dev/null) == "$pins" ]]; then
    echo "up to date: $want"
    return
  fi
  echo "installing $want and their dependencies from PyPI (one-time, a minute or two)..."
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  # Every dependency pinned too (the constraints file), so that a new release
  # upstream cannot break the validation.
  "$venv/bin/pip" install --disable-pip-version-check --no-input --progress-bar off \
    --constraint "$constraints" $want |
    grep --line-buffered -E '^(Collecting|Successfully installed)' | cut -c1-100 || return 1
  echo "$pins" >"$venv/.logship-pins"
}

install_node_tools() {
  local lock_sum
  lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
  if [[ -x node_modules/.bin/serverless && $(cat node_modules/.logship-lock 2>/dev/null) == "$lock_sum" ]]; then
    echo "up to date: serverless $(node -p 'require("serverless/package.json").version')"
    return
  fi
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >node_modules/.logship-lock
}

install_rust_target() {
  if rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    echo "installed: aarch64-unknown-linux-gnu"
  else
    rustup target add aarch64-unknown-linux-gnu
  fi
}

build_lambdas() {
  local args=()
  for p in $packages; do args+=(-p "$p"); done
  if [[ $quick_build == 1 ]]; then
    # The same code for the same target, packaged the same way, without the
    # release profile's whole-program optimization (several minutes of one
    # core): a check that it builds and packages, not the artifact to deploy.
    echo "VALIDATE_DEPLOY_QUICK_BUILD=1: no LTO, 16 codegen units (larger, slower binaries; not for deploying)"
    CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo lambda build --release --arm64 --output-format zip "${args[@]}"
  else
    cargo lambda build --release --arm64 --output-format zip "${args[@]}"
  fi
  check_zips
}

check_zips() {
  local bin zip
  for bin in "${lambda_bins[@]}"; do
    zip=target/lambda/$bin/bootstrap.zip
    if [[ ! -f $zip ]]; then
      [[ " $packages " == *" logship "* || $bin != logship ]] || continue
      echo "missing $zip" >&2
      return 1
    fi
    "$PYTHON" - "$zip" <<'EOF'
import stat, sys, zipfile
path = sys.argv[1]
with zipfile.ZipFile(path) as z:
    info = z.getinfo("bootstrap")
    head = z.read("bootstrap")[:20]
mode = info.external_attr >> 16
assert head[:4] == b"\x7fELF", f"{path}: bootstrap is not an ELF file"
machine = int.from_bytes(head[18:20], "little")
assert machine == 183, f"{path}: bootstrap is not aarch64 (e_machine {machine})"
assert mode & stat.S_IXUSR, f"{path}: bootstrap is not executable"
print(f"ok: {path} holds an executable aarch64 bootstrap")
EOF
  done
}

# Skip-build mode: `serverless package` needs the artifact to exist; a
# placeholder stands in for the run only, so it can never be deployed.
placeholder=""
make_placeholder_artifact() {
  local zip=target/lambda/logship/bootstrap.zip
  if [[ -f $zip ]]; then
    echo "using the existing $zip"
    return
  fi
  mkdir -p "$(dirname "$zip")"
  "$PYTHON" -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("bootstrap", "placeholder: not a Lambda binary\n")' "$zip"
  placeholder=$zip
  trap 'rm -f "$placeholder"' EXIT
  echo "placeholder $zip (removed at exit)"
}

# The region follows --region, then the usual AWS environment.
sls_region() {
  local got want=$1
  shift
  got=$(env -u AWS_REGION -u AWS_DEFAULT_REGION "$@" \
    serverless print --stage dev --path provider.region --format text 2>&1 | tail -n 1)
  if [[ $got != "$want" ]]; then
    echo "serverless print with [$*]: region $got, expected $want" >&2
    return 1
  fi
  echo "ok: [$*] -> $got"
}

# Three runs (each takes seconds): AWS_DEFAULT_REGION alone, AWS_REGION over
# it, --region over AWS_REGION.
sls_print_region() {
  sls_region ap-south-1 AWS_DEFAULT_REGION=ap-south-1 &&
    sls_region eu-west-1 AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=ap-south-1 &&
    sls_region_option
}

# --region wins over the environment.
sls_region_option() {
  local got
  got=$(AWS_REGION=eu-west-1 serverless print --stage dev --region sa-east-1 \
    --path provider.region --format text 2>&1 | tail -n 1)
  [[ $got == sa-east-1 ]] || { echo "--region sa-east-1 with AWS_REGION=eu-west-1: $got" >&2; return 1; }
  echo "ok: --region sa-east-1 over AWS_REGION=eu-west-1"
}

sls_package_default() {
  rm -rf .serverless
  serverless package --stage dev --region us-east-1
}

sls_package_prod() {
  rm -rf "$tools/sls-prod"
  serverless package --stage prod --region eu-west-1 --package "$tools/sls-prod" \
    --param="destination=elasticsearch" \
    --param="endpoint=https://search-logs-abc123.eu-west-1.es.amazonaws.com" \
    --param="esAuth=sigv4" \
    --param="tokenParameter=none" \
    --param="openSearchDomainArn=arn:aws:es:eu-west-1:123456789012:domain/logs" \
    --param="reservedConcurrency=5" \
    --param="alarmTopicArn=arn:aws:sns:eu-west-1:123456789012:ops-alerts" \
    --param="alarmIteratorAgeMs=300000" \
    --param="mask=on"
}

check_templates() {
  "$PYTHON" - .serverless/cloudformation-template-update-stack.json \
    "$tools/sls-prod/cloudformation-template-update-stack.json" <<'EOF'
import json, re, sys
dev, prod = (json.load(open(p)) for p in sys.argv[1:3])
for t in (dev, prod):
    r = t["Resources"]
    fn = r["LogshipLambdaFunction"]["Properties"]
    assert fn["Runtime"] == "provided.al2023" and fn["Architectures"] == ["arm64"]
    assert fn["Handler"] == "bootstrap"
    esm = r["LogshipEventSourceMappingKinesisLogStream"]["Properties"]
    assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert esm["BisectBatchOnFunctionError"] is True
    assert "OnFailure" in esm["DestinationConfig"]
    assert r["LogStream"]["Properties"]["StreamModeDetails"]["StreamMode"] == "ON_DEMAND"
    assert r["DeadLetterQueue"]["Properties"]["MessageRetentionPeriod"] == 1209600
    for out in ("StreamArn", "CloudWatchLogsRoleArn", "ShipperLogGroupName", "DeadLetterQueueUrl"):
        assert out in t["Outputs"], out
    # No subscription filter on the shipper's own log group, ever.
    assert not any(v["Type"] == "AWS::Logs::SubscriptionFilter" for v in r.values())
    # Alarms: what each one watches, all notifying the one topic.
    alarms = {k: v["Properties"] for k, v in r.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    watched = {(a["Namespace"], a["MetricName"]) for a in alarms.values()}
    for metric in [("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds"),
                   ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
                   ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles"),
                   ("logship", "Failed"), ("logship", "DeadLettered"), ("logship", "Balanced")]:
        assert metric in watched, metric
    topic = {"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}
    for name, a in alarms.items():
        assert a["AlarmActions"] == [topic] and a["OKActions"] == [topic], name
        if a["Namespace"] in ("logship", "AWS/Lambda"):
            assert a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": "LogshipLambdaFunction"}}], name
    balanced = alarms["UnbalancedAlarm"]
    assert balanced["ComparisonOperator"] == "LessThanThreshold" and balanced["Threshold"] == 1
    assert r["AlarmTopic"]["Condition"] == "CreateAlarmTopic"
    body = r["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    json.loads(re.sub(r"\$\{[^}]+\}", "0", body))  # valid JSON once substituted
    for metric in ("EventsIn", "Delivered", "BytesIn", "DeadLettered", "Failed", "IteratorAge"):
        assert f'"{metric}"' in body, metric
p = prod["Parameters"]
assert p["TokenParameterName"]["Default"] == "none" and p["ReservedConcurrency"]["Default"] == "5"
assert p["AlarmTopicArn"]["Default"] == "arn:aws:sns:eu-west-1:123456789012:ops-alerts"
assert float(prod["Resources"]["StreamIteratorAgeAlarm"]["Properties"]["Threshold"]) == 300000
assert dev["Parameters"]["AlarmTopicArn"]["Default"] == "none"
assert prod["Resources"]["LogshipLambdaFunction"]["Properties"]["Environment"]["Variables"]["LOGSHIP_ES_AUTH"] == "sigv4"
print("ok: generated templates have the expected shape")
EOF
}

# The SAR templates refuse blank names up front (CloudFormation applies
# AllowedPattern as Java regexes; these patterns mean the same in Python).
sar_parameter_patterns() {
  "$venv/bin/python" - sar/auto-subscribe/template.yaml sar/set-retention/template.yaml <<'EOF'
import re, sys, yaml
class Loader(yaml.SafeLoader):
    pass
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
cases = {  # parameter: (accepted, refused)
    "ShipperLogGroupName": (["/aws/lambda/logship-dev"], ["", " ", "/aws/lambda/x y"]),
    "FilterName": (["logship"], ["", " ", " logship", "a:b"]),
    "AccountPolicyName": (["logship"], ["", " "]),
    "ExcludePrefixes": (["", "/aws/lambda/noisy-,/aws/codebuild/"], ["/a/;rm"]),
    "SweepSchedule": (["rate(1 hour)", "cron(0 * * * ? *)"], ["", "hourly"]),
}
for path in sys.argv[1:]:
    params = yaml.load(open(path), Loader=Loader)["Parameters"]
    for name, (good, bad) in cases.items():
        if name not in params:
            continue
        p = params[name]
        pattern = re.compile(p["AllowedPattern"])
        assert "Default" not in p or pattern.fullmatch(str(p["Default"])), (path, name, "default")
        for v in good:
            assert pattern.fullmatch(v), (path, name, v)
        for v in bad:
            assert not pattern.fullmatch(v), (path, name, v)
print("ok: SAR parameters refuse blank and malformed values")
EOF
}

lint_cfn() {
  cfn-lint .serverless/cloudformation-template-update-stack.json \
    "$tools/sls-prod/cloudformation-template-update-stack.json" \
    sar/auto-subscribe/template.yaml sar/set-retention/template.yaml
  echo "ok: cfn-lint clean"
}

sam_validate() {
  local t
  for t in sar/auto-subscribe/template.yaml sar/set-retention/template.yaml; do
    sam validate --lint --region us-east-1 --template-file "$t"
  done
}

report() {
  local bin zip
  echo
  if [[ $quick_build == 1 ]]; then
    echo "Lambda artifacts (arm64, provided.al2023; quick build without LTO, larger than the deploy build's):"
  else
    echo "Lambda artifacts (arm64, provided.al2023):"
  fi
  for bin in "${lambda_bins[@]}"; do
    zip=target/lambda/$bin/bootstrap.zip
    [[ -f $zip && $zip != "$placeholder" ]] || continue
    printf '  %-16s zip %6d KiB   bootstrap %6d KiB\n' "$bin" \
      $(($(stat -c %s "$zip") / 1024)) \
      $(($(stat -c %s "target/lambda/$bin/bootstrap" 2>/dev/null || unzip -Zt "$zip" | awk '{print $3}') / 1024))
  done
  if [[ -x target/release/logship ]]; then
    "$PYTHON" - target/release/logship <<'EOF'
import statistics, subprocess, sys, time
runs = []
for _ in range(20):
    t = time.perf_counter()
    subprocess.run([sys.argv[1], "--help"], stdout=subprocess.DEVNULL, check=True)
    runs.append((time.perf_counter() - t) * 1000)
print(f"  start-up of the native release binary (logship --help, 20 runs): "
      f"median {statistics.median(runs):.1f} ms, min {min(runs):.1f} ms")
EOF
  else
    echo "  (no target/release/logship: start-up time not measured)"
  fi
}

step "pip: cargo-lambda, cfn-lint, sam" install_python_tools
step "npm: serverless@3" install_node_tools
if [[ $skip_build == 1 ]]; then
  echo "==> VALIDATE_DEPLOY_SKIP_BUILD=1: no aarch64 target, no arm64 build"
  step "placeholder artifact" make_placeholder_artifact
else
  step "rustup: aarch64 target" install_rust_target
  step "cargo lambda build (arm64)" build_lambdas
fi
step "serverless print: region" sls_print_region
# prod first: every `serverless package` run deletes .serverless/, where the
# dev template must stay.
step "serverless package (prod variant)" sls_package_prod
step "serverless package (dev)" sls_package_default
step "template shape checks" check_templates
step "cfn-lint" lint_cfn
step "sam validate --lint" sam_validate
step "SAR parameter patterns" sar_parameter_patterns
report
echo
echo "Timings:"
printf '  %s\n' "${timings[@]}"
echo "deploy validation passed"
