package throttle

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// PerWindow converts a budget per minute, the unit of Intercom's
// documentation and of custom limits it grants, to the per-window limit the
// limiter counts (10,000 a minute: 1,666 per 10-second window).
func PerWindow(perMinute int) int { return max(perMinute*windowSeconds/60, 1) }

var fingerprintPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

// ParseAppLimits reads per-app limit overrides, in calls a minute,
// comma-separated: a bare number applies to every app, FINGERPRINT=N to the
// app of that token (secret.Fingerprint), e.g. "6000",
// "3f2a9c0d1e2b4a5c=2000" or "6000,3f2a9c0d1e2b4a5c=2000". It returns them
// per window (PerWindow), as LimiterConfig.AppCap and AppCaps take them;
// "" is none.
func ParseAppLimits(spec string) (all int, byApp map[string]int, err error) {
	if strings.TrimSpace(spec) == "" {
		return 0, nil, nil
	}
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		fp, n, named := strings.Cut(part, "=")
		if !named {
			fp, n = "", part
		}
		fp, n = strings.TrimSpace(fp), strings.TrimSpace(n)
		perMinute, err := strconv.Atoi(n)
		if err != nil || perMinute < 1 {
			return 0, nil, fmt.Errorf("%q: want calls a minute (a positive number), not %q", spec, n)
		}
		if !named {
			if all != 0 {
				return 0, nil, fmt.Errorf("%q: more than one limit for every app", spec)
			}
			all = PerWindow(perMinute)
			continue
		}
		if !fingerprintPattern.MatchString(fp) {
			return 0, nil, fmt.Errorf("%q: %q is not a token fingerprint (16 hex digits, as the worker logs them at start)", spec, fp)
		}
		if byApp == nil {
			byApp = map[string]int{}
		}
		if _, dup := byApp[fp]; dup {
			return 0, nil, fmt.Errorf("%q: app %s listed twice", spec, fp)
		}
		byApp[fp] = PerWindow(perMinute)
	}
	return all, byApp, nil
}
