// Package k8s holds icmigrate's kustomize base; its test builds it (and the
// example overlays) with kustomize's own library and checks the objects.
package k8s

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

type object = map[string]any

// build runs kustomize on dir and returns the objects.
func build(t *testing.T, dir string) []object {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	out, err := rm.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	var objs []object
	for _, doc := range strings.Split(string(out), "\n---\n") {
		var o object
		if err := yaml.Unmarshal([]byte(doc), &o); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		if o != nil {
			objs = append(objs, o)
		}
	}
	return objs
}

// get walks a path of map keys and list indices.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func num(v any, path ...any) float64 {
	n, _ := get(v, path...).(float64)
	return n
}

func list(v any, path ...any) []any {
	l, _ := get(v, path...).([]any)
	return l
}

func find(objs []object, kind, name string) object {
	for _, o := range objs {
		if str(o, "kind") == kind && (name == "" || str(o, "metadata", "name") == name) {
			return o
		}
	}
	return nil
}

// podSpecs are the pod templates of the workloads, by "Kind/name".
func podSpecs(objs []object) map[string]object {
	out := map[string]object{}
	for _, o := range objs {
		switch str(o, "kind") {
		case "Deployment", "StatefulSet", "Job":
			out[str(o, "kind")+"/"+str(o, "metadata", "name")] = get(o, "spec", "template").(map[string]any)
		}
	}
	return out
}

func arg(container any, flag string) (string, bool) {
	for _, a := range list(container, "args") {
		if s, _ := a.(string); strings.HasPrefix(s, flag+"=") {
			return strings.TrimPrefix(s, flag+"="), true
		} else if s == flag {
			return "", true
		}
	}
	return "", false
}

const image = "ghcr.io/icmigrate/icmigrate"

func TestBase(t *testing.T) {
	objs := build(t, ".")
	kinds := map[string]int{}
	for _, o := range objs {
		kinds[str(o, "kind")]++
		if k := str(o, "kind"); k != "Namespace" && str(o, "metadata", "namespace") != "icmigrate" {
			t.Errorf("%s/%s not in namespace icmigrate", k, str(o, "metadata", "name"))
		}
	}
	for kind, n := range map[string]int{"Namespace": 1, "ServiceAccount": 1, "ConfigMap": 2, "StatefulSet": 1, "Service": 1, "NetworkPolicy": 1,
		"Deployment": 1, "PodDisruptionBudget": 1, "HorizontalPodAutoscaler": 1, "Job": 1, "PodMonitor": 1} {
		if kinds[kind] != n {
			t.Errorf("%d %s, want %d", kinds[kind], kind, n)
		}
		delete(kinds, kind)
	}
	if len(kinds) > 0 {
		t.Errorf("unexpected objects: %v", kinds)
	}

	pods := podSpecs(objs)
	for name, pod := range pods {
		for _, c := range list(pod, "spec", "containers") {
			img := str(c, "image")
			repo, tag, _ := strings.Cut(img, ":")
			switch {
			case repo == image && tag != "":
			case repo == "redis" && tag != "" && tag != "latest":
			default:
				t.Errorf("%s: image %q, want %s:<tag> or a tagged redis", name, img, image)
			}
			if get(c, "resources", "requests", "memory") == nil || get(c, "resources", "limits", "memory") == nil || get(c, "resources", "requests", "cpu") == nil {
				t.Errorf("%s: resources %v: want cpu and memory requests and a memory limit", name, get(c, "resources"))
			}
			if get(c, "securityContext", "allowPrivilegeEscalation") != false || get(c, "securityContext", "readOnlyRootFilesystem") != true ||
				!slices.Contains(list(c, "securityContext", "capabilities", "drop"), any("ALL")) {
				t.Errorf("%s: container securityContext %v", name, get(c, "securityContext"))
			}
		}
		if get(pod, "spec", "securityContext", "runAsNonRoot") != true || num(pod, "spec", "securityContext", "runAsUser") == 0 {
			t.Errorf("%s: pod securityContext %v: want runAsNonRoot and a non-zero runAsUser", name, get(pod, "spec", "securityContext"))
		}
		if get(pod, "spec", "automountServiceAccountToken") != false {
			t.Errorf("%s: mounts a service account token", name)
		}
		if str(pod, "metadata", "labels", "app.kubernetes.io/part-of") != "icmigrate" {
			t.Errorf("%s: pods not labelled app.kubernetes.io/part-of=icmigrate", name)
		}
	}

	// Workers.
	dep := find(objs, "Deployment", "worker")
	pod := pods["Deployment/worker"]
	c := get(pod, "spec", "containers", 0)
	if get(dep, "spec", "replicas") != nil {
		t.Error("the Deployment sets replicas: the HorizontalPodAutoscaler owns them (a re-apply would reset them)")
	}
	if !strings.HasPrefix(str(c, "image"), image+":") || str(c, "command", 0) != "/usr/local/bin/worker" {
		t.Errorf("worker container: %v %v", get(c, "image"), get(c, "command"))
	}
	addr, _ := arg(c, "--metrics-addr")
	if addr != ":9090" || num(c, "ports", 0, "containerPort") != 9090 || str(c, "ports", 0, "name") != "metrics" {
		t.Errorf("worker: --metrics-addr %q, ports %v", addr, get(c, "ports"))
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz", "startupProbe": "/healthz"} {
		if str(c, probe, "httpGet", "path") != path || str(c, probe, "httpGet", "port") != "metrics" {
			t.Errorf("worker %s: %v, want GET %s on the metrics port", probe, get(c, probe), path)
		}
	}
	st, _ := arg(c, "--shutdown-timeout")
	shutdown, err := time.ParseDuration(st)
	if err != nil {
		t.Fatalf("worker --shutdown-timeout %q: %v", st, err)
	}
	if grace := time.Duration(num(pod, "spec", "terminationGracePeriodSeconds")) * time.Second; grace < shutdown+10*time.Second {
		t.Errorf("terminationGracePeriodSeconds %v: want at least --shutdown-timeout %v plus 10s", grace, shutdown)
	}
	workerLabels := get(pod, "metadata", "labels").(map[string]any)
	matches := func(sel any) bool {
		m, _ := get(sel, "matchLabels").(map[string]any)
		if len(m) == 0 {
			return false
		}
		for k, v := range m {
			if workerLabels[k] != v {
				return false
			}
		}
		return true
	}
	pdb := find(objs, "PodDisruptionBudget", "")
	if !matches(get(pdb, "spec", "selector")) || (get(pdb, "spec", "maxUnavailable") == nil && get(pdb, "spec", "minAvailable") == nil) {
		t.Errorf("PodDisruptionBudget %v does not cover the workers", get(pdb, "spec"))
	}
	hpa := find(objs, "HorizontalPodAutoscaler", "")
	if str(hpa, "apiVersion") != "autoscaling/v2" || str(hpa, "spec", "scaleTargetRef", "kind") != "Deployment" || str(hpa, "spec", "scaleTargetRef", "name") != "worker" ||
		num(hpa, "spec", "minReplicas") < 2 || num(hpa, "spec", "maxReplicas") < num(hpa, "spec", "minReplicas") {
		t.Errorf("HorizontalPodAutoscaler: %v", get(hpa, "spec"))
	}

	// The scheduler's Job.
	job := find(objs, "Job", "")
	jc := get(pods["Job/"+str(job, "metadata", "name")], "spec", "containers", 0)
	id, hasID := arg(jc, "--id")
	_, wait := arg(jc, "--wait")
	if str(jc, "args", 0) != "migrate" || !hasID || id == "" || !wait || str(jc, "command", 0) != "/usr/local/bin/scheduler" {
		t.Errorf("Job runs %v %v, want scheduler migrate --id=... --wait", get(jc, "command"), get(jc, "args"))
	}
	if str(job, "spec", "template", "spec", "restartPolicy") != "Never" || get(job, "spec", "podFailurePolicy") == nil {
		t.Errorf("Job: restartPolicy %v, podFailurePolicy %v", get(job, "spec", "template", "spec", "restartPolicy"), get(job, "spec", "podFailurePolicy"))
	}

	// Prometheus scrapes workers and Jobs on their metrics port.
	pm := find(objs, "PodMonitor", "")
	if str(pm, "apiVersion") != "monitoring.coreos.com/v1" || str(pm, "spec", "podMetricsEndpoints", 0, "port") != "metrics" ||
		str(pm, "spec", "selector", "matchLabels", "app.kubernetes.io/part-of") != "icmigrate" {
		t.Errorf("PodMonitor: %v", get(pm, "spec"))
	}
	if iv, err := time.ParseDuration(str(pm, "spec", "podMetricsEndpoints", 0, "interval")); err != nil || iv >= 2*time.Minute {
		t.Errorf("PodMonitor interval %v: want under the cluster metrics' lease (2m)", iv)
	}

	// Redis keeps what it is given.
	conf := str(find(objs, "ConfigMap", "redis-config"), "data", "redis.conf")
	for _, want := range []string{"appendonly yes", "maxmemory-policy noeviction"} {
		if !strings.Contains(conf, want) {
			t.Errorf("redis.conf lacks %q", want)
		}
	}
	if list(find(objs, "StatefulSet", "redis"), "spec", "volumeClaimTemplates") == nil {
		t.Error("Redis has no persistent volume")
	}

	checkEnv(t, objs, "configMapKeyRef")
	checkNoToken(t, objs)
}

// checkEnv: REDIS_URL from a ConfigMap or Secret of the build (redisFrom),
// tokens from the Secret intercom-tokens, nothing secret as a literal.
func checkEnv(t *testing.T, objs []object, redisFrom string) {
	t.Helper()
	for name, pod := range podSpecs(objs) {
		if strings.HasPrefix(name, "StatefulSet/") {
			continue
		}
		c := get(pod, "spec", "containers", 0)
		env := map[string]any{}
		for _, e := range list(c, "env") {
			env[str(e, "name")] = e
			if regexp.MustCompile(`(?i)token|password|secret`).MatchString(str(e, "name")) && get(e, "value") != nil {
				t.Errorf("%s: %s is inlined", name, str(e, "name"))
			}
		}
		for _, v := range []string{"INTERCOM_SOURCE_TOKEN", "INTERCOM_DEST_TOKEN"} {
			if str(env[v], "valueFrom", "secretKeyRef", "name") != "intercom-tokens" || get(env[v], "value") != nil {
				t.Errorf("%s: %s = %v, want it from the Secret intercom-tokens", name, v, env[v])
			}
		}
		ref := get(env["REDIS_URL"], "valueFrom", redisFrom)
		if ref == nil {
			t.Errorf("%s: REDIS_URL %v, want a %s", name, env["REDIS_URL"], redisFrom)
			continue
		}
		if redisFrom == "configMapKeyRef" && find(objs, "ConfigMap", str(ref, "name")) == nil {
			t.Errorf("%s: REDIS_URL from ConfigMap %s, which the build lacks", name, str(ref, "name"))
		}
	}
}

var tokenLike = regexp.MustCompile(`dG9rO|(?i)bearer\s|://[^/\s]*:[^/\s@]+@`)

// checkNoToken: no Secret is built (tokens are created beside the base),
// and no string anywhere looks like a token or a password.
func checkNoToken(t *testing.T, objs []object) {
	t.Helper()
	for _, o := range objs {
		if str(o, "kind") == "Secret" {
			t.Errorf("Secret %s in the build: tokens are created beside it, never committed", str(o, "metadata", "name"))
		}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch x := v.(type) {
			case map[string]any:
				for k, v := range x {
					walk(path+"."+k, v)
				}
			case []any:
				for i, v := range x {
					walk(fmt.Sprintf("%s[%d]", path, i), v)
				}
			case string:
				if tokenLike.MatchString(x) {
					t.Errorf("%s/%s %s looks like a credential: %q", str(o, "kind"), str(o, "metadata", "name"), path, x)
				}
			}
		}
		walk("", o)
	}
}

func TestExternalRedis(t *testing.T) {
	objs := build(t, "../examples/external-redis")
	for _, kind := range []string{"StatefulSet", "Service", "NetworkPolicy"} {
		if o := find(objs, kind, ""); o != nil {
			t.Errorf("%s/%s left with an external Redis", kind, str(o, "metadata", "name"))
		}
	}
	if find(objs, "ConfigMap", "redis-config") != nil {
		t.Error("redis-config left")
	}
	for name, pod := range podSpecs(objs) {
		c := get(pod, "spec", "containers", 0)
		if img := str(c, "image"); img != image+":v0.1.0" {
			t.Errorf("%s: image %s", name, img)
		}
	}
	checkEnv(t, objs, "secretKeyRef")
	checkNoToken(t, objs)
	if find(objs, "Deployment", "worker") == nil || find(objs, "Job", "") == nil || find(objs, "PodMonitor", "") == nil {
		t.Error("the overlay lost the workers, the Job or the PodMonitor")
	}
}
