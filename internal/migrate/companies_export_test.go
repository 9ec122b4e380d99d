package migrate

import "time"

// SetCompanyScrollWait shortens the walking unit's wait for another scroll
// of the source app to end; it returns a function that restores it.
func SetCompanyScrollWait(d time.Duration) (restore func()) {
	old := companyScrollWait
	companyScrollWait = d
	return func() { companyScrollWait = old }
}
