package store

import (
	"context"
	"strconv"
)

// MapSum adds up the integer values of a map (e.g. per-record counts),
// scanning it a page at a time rather than loading it whole, and returns
// the sum and the number of fields.
func (s *Store) MapSum(ctx context.Context, id, entity string) (sum, fields int64, err error) {
	var cursor uint64
	for {
		kv, next, err := s.rdb.HScan(ctx, key(id, "map", entity), cursor, "", 500).Result()
		if err != nil {
			return 0, 0, err
		}
		for i := 1; i < len(kv); i += 2 {
			n, _ := strconv.ParseInt(kv[i], 10, 64)
			sum += n
			fields++
		}
		if next == 0 {
			return sum, fields, nil
		}
		cursor = next
	}
}
