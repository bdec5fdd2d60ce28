package db

import (
	"context"

	"gorm.io/gorm"
)

// Transact runs fn in a transaction of gdb, running it again (up to five
// times) while it fails with a retryable conflict (IsRetryable). Before the
// transaction commits it runs the TxHooks that ctx carries, so that work
// which must commit with the change (the audit entry of the request that
// made it) does, or is rolled back with it.
func Transact(ctx context.Context, gdb *gorm.DB, fn func(tx *gorm.DB) error) error {
	return transact(ctx, gdb, 5, fn)
}

// TransactOnce is Transact without the retries: for a caller that handles
// a conflict (IsRetryable) itself, e.g. by deciding again under a lock.
func TransactOnce(ctx context.Context, gdb *gorm.DB, fn func(tx *gorm.DB) error) error {
	return transact(ctx, gdb, 1, fn)
}

func transact(ctx context.Context, gdb *gorm.DB, attempts int, fn func(tx *gorm.DB) error) error {
	hooks, _ := ctx.Value(txHooksKey{}).([]TxHook)
	once := func() error {
		return gdb.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := fn(tx); err != nil {
				return err
			}
			for _, h := range hooks {
				if err := h.BeforeCommit(tx); err != nil {
					return err
				}
			}
			return nil
		})
	}
	var err error
	if attempts == 1 {
		err = once()
	} else {
		err = Retry(ctx, attempts, once)
	}
	if err == nil {
		for _, h := range hooks {
			h.Committed()
		}
	}
	return err
}

// A TxHook is work that commits together with every transaction run by
// Transact under a context carrying it (WithTxHook).
type TxHook interface {
	// BeforeCommit writes the hook's rows in tx, the transaction about to
	// commit; an error rolls the transaction back.
	BeforeCommit(tx *gorm.DB) error
	// Committed is called once the transaction has committed.
	Committed()
}

type txHooksKey struct{}

// WithTxHook returns a context whose transactions (Transact) run h before
// they commit.
func WithTxHook(ctx context.Context, h TxHook) context.Context {
	hooks, _ := ctx.Value(txHooksKey{}).([]TxHook)
	return context.WithValue(ctx, txHooksKey{}, append(hooks[:len(hooks):len(hooks)], h))
}
