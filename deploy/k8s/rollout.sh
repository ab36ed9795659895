#!/usr/bin/env bash
# One GmTools rollout on Kubernetes:
#   deploy/k8s/rollout.sh IMAGE          e.g. registry.example.internal/gmtools-server:0.2.0
# 1. the namespace, and a check that the Secret gmtools-credentials exists and holds no placeholder;
# 2. the migration Job (migrate-job.yaml) with IMAGE, once: the previous Job is deleted first, the new one must
#    complete (the schema is migrated exactly once, by one pod, before any replica of IMAGE starts);
# 3. the manifests of kustomization.yaml with IMAGE, then waits until the Deployment has rolled out.
# Environment: KUBECTL (kubectl), GMTOOLS_NAMESPACE (gmtools), GMTOOLS_MIGRATE_TIMEOUT_S (900).
set -euo pipefail

IMAGE=${1:?usage: deploy/k8s/rollout.sh IMAGE}
DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KUBECTL=${KUBECTL:-kubectl}
NS=${GMTOOLS_NAMESPACE:-gmtools}
TIMEOUT=${GMTOOLS_MIGRATE_TIMEOUT_S:-900}
k() { "$KUBECTL" -n "$NS" "$@"; }
# Every `image: gmtools-server` (the manifests' placeholder, or kustomize's rendering of it) becomes IMAGE.
with_image() { sed -E "s#^([[:space:]]*image:[[:space:]]*)[^[:space:]]*gmtools-server[^[:space:]]*[[:space:]]*\$#\\1${IMAGE}#"; }

"$KUBECTL" apply -f "$DIR/namespace.yaml"
if ! secret=$(k get secret gmtools-credentials -o jsonpath='{.data}' 2>/dev/null) || [ -z "$secret" ]; then
    echo "rollout: the Secret gmtools-credentials does not exist in namespace $NS (see deploy/k8s/secret.yaml)" >&2
    exit 1
fi
for key in ConnectionStrings__Postgres ConnectionStrings__Redis GmTools__Jwt__SigningKey; do
    value=$(k get secret gmtools-credentials -o "jsonpath={.data.$key}" | base64 -d)
    if [ -z "$value" ] || [[ "$value" == *REPLACE-ME* ]]; then
        echo "rollout: the Secret gmtools-credentials has no real $key" >&2
        exit 1
    fi
done
k apply -f "$DIR/configmap.yaml"

echo "rollout: migrating the schema with $IMAGE"
k delete job gmtools-migrate --ignore-not-found --wait=true
with_image <"$DIR/migrate-job.yaml" | k apply -f -
state=""
for _ in $(seq 1 "$TIMEOUT"); do
    state=$(k get job gmtools-migrate -o 'jsonpath={.status.conditions[?(@.status=="True")].type}')
    case "$state" in *Complete*|*Failed*) break ;; esac
    sleep 1
done
case "$state" in
    *Complete*) echo "rollout: migration complete" ;;
    *)
        k logs job/gmtools-migrate --tail=50 >&2 || true
        echo "rollout: the migration Job did not complete (${state:-still running after $TIMEOUT s}); the Deployment was not changed" >&2
        exit 1 ;;
esac

echo "rollout: rolling the replicas to $IMAGE"
"$KUBECTL" kustomize "$DIR" | with_image | "$KUBECTL" apply -f -
k rollout status deployment/gmtools-server --timeout=15m
