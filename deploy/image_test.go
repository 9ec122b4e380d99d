// Package deploy holds what runs icmigrate elsewhere than a laptop: the
// kustomize base (k8s), the Grafana dashboard (grafana), example overlays
// (examples). Its test reviews the repository's Dockerfile, which Docker
// cannot build on the development machines, and runs its go build with the
// same flags.
package deploy

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd, args string
	stage     int
}

func readDockerfile(t *testing.T) []instruction {
	t.Helper()
	raw, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []instruction
	var cur strings.Builder
	stage := -1
	for _, line := range strings.Split(string(raw), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		cur.Reset()
		cmd = strings.ToUpper(cmd)
		if cmd == "FROM" {
			stage++
		}
		out = append(out, instruction{cmd, strings.TrimSpace(args), stage})
	}
	return out
}

// goBuild is the Dockerfile's go build command line (from "go build").
var goBuild = regexp.MustCompile(`go build .*$`)

// TestDockerfile reviews the image: multi-stage, static binaries built
// with the version stamped, a minimal runtime image, a non-root user.
func TestDockerfile(t *testing.T) {
	ins := readDockerfile(t)
	var froms []string
	var build, user, entrypoint string
	env := map[string]bool{}
	last := 0
	for _, in := range ins {
		last = max(last, in.stage)
	}
	for _, in := range ins {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.args)
		case "ENV":
			for _, f := range strings.Fields(in.args) {
				env[f] = true
			}
		case "RUN":
			if m := goBuild.FindString(in.args); m != "" {
				build = m
			}
		case "USER":
			if in.stage == last {
				user = in.args
			}
		case "ENTRYPOINT":
			if in.stage == last {
				entrypoint = in.args
			}
		}
	}
	if len(froms) < 2 || !strings.Contains(froms[0], "golang:") || !strings.Contains(froms[0], " AS build") {
		t.Errorf("stages %q: want a golang build stage, then the runtime", froms)
	}
	if rt := froms[len(froms)-1]; !strings.HasPrefix(rt, "gcr.io/distroless/static") && rt != "scratch" {
		t.Errorf("runtime image %q: want distroless static (or scratch)", rt)
	}
	if !env["CGO_ENABLED=0"] {
		t.Error("CGO_ENABLED=0 not set: the binaries would not be static")
	}
	for _, flag := range []string{"-trimpath", "-X github.com/icmigrate/icmigrate/internal/version.Version=${VERSION}", "./cmd/scheduler", "./cmd/worker"} {
		if !strings.Contains(build, flag) {
			t.Errorf("go build %q lacks %s", build, flag)
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if uid == "" || uid == "0" || uid == "root" || strings.Trim(uid, "0123456789") != "" {
		t.Errorf("USER %q: want a numeric non-root user", user)
	}
	if entrypoint != `["/usr/local/bin/worker"]` {
		t.Errorf("ENTRYPOINT %s", entrypoint)
	}
	var copied bool
	for _, in := range ins {
		if in.cmd == "COPY" && in.stage == last && strings.Contains(in.args, "--from=build") &&
			strings.Contains(in.args, "/out/scheduler") && strings.Contains(in.args, "/out/worker") && strings.HasSuffix(in.args, "/usr/local/bin/") {
			copied = true
		}
	}
	if !copied {
		t.Error("the runtime stage does not copy both binaries to /usr/local/bin/ (the manifests' commands)")
	}
}

// TestDockerfileBuild runs the Dockerfile's go build line, with its
// environment, and checks the binaries: static (no ELF interpreter),
// stamped with the version, built with -trimpath and without cgo.
func TestDockerfileBuild(t *testing.T) {
	if os.Getenv("ICMIGRATE_DOCKERFILE_BUILD") != "1" {
		// A build of both commands with other flags than the tests' (no
		// cache shared): a CI step of its own, not part of every go test.
		t.Skip("set ICMIGRATE_DOCKERFILE_BUILD=1 (.ci/run does)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("the image's binaries are Linux ones")
	}
	var build string
	for _, in := range readDockerfile(t) {
		if in.cmd == "RUN" && goBuild.MatchString(in.args) {
			// The whole RUN line: its GOOS=... prefix and the go build.
			build = in.args
			if i := strings.Index(build, "GOOS="); i >= 0 {
				build = build[i:]
			}
		}
	}
	if build == "" {
		t.Fatal("no go build in the Dockerfile")
	}
	out := t.TempDir()
	build = strings.ReplaceAll(build, "-o /out/", "-o "+out+"/")
	const version = "v0.0.0-imagetest"
	ctx := t.Context()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-10*time.Second))
		defer cancel()
	}
	start := time.Now()
	cmd := exec.CommandContext(ctx, "sh", "-c", build)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false", "VERSION="+version, "TARGETOS=linux", "TARGETARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, b)
	}
	t.Logf("ran in %v: CGO_ENABLED=0 %s", time.Since(start).Round(time.Second), build)
	for _, bin := range []string{"scheduler", "worker"} {
		path := filepath.Join(out, bin)
		f, err := elf.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s is dynamically linked", bin)
			}
		}
		f.Close()
		info, err := exec.Command("go", "version", "-m", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		// (The -ldflags are not recorded with -trimpath: --version checks them.)
		for _, want := range []string{"CGO_ENABLED=0", "-trimpath=true", "-tags=netgo,osusergo"} {
			if !bytes.Contains(info, []byte(want)) {
				t.Errorf("%s: go version -m lacks %s:\n%s", bin, want, info)
			}
		}
	}
	v, err := exec.Command(filepath.Join(out, "worker"), "--version").Output()
	if err != nil || strings.TrimSpace(string(v)) != version {
		t.Errorf("worker --version: %q %v, want %s", v, err, version)
	}
	v, err = exec.Command(filepath.Join(out, "scheduler"), "version").Output()
	if err != nil || strings.TrimSpace(string(v)) != version {
		t.Errorf("scheduler version: %q %v, want %s", v, err, version)
	}
}
