package staff

import (
	"context"
	"sync"

	"gorm.io/gorm"

	"github.com/futian/ifutian/internal/db"
)

// PendingAudit is the audit entry of one staff request. It is written in
// the same transaction as the change the request makes: every transaction
// run by db.Transact under the request's context writes it before it
// commits, once. A request whose change needs no transaction of its own (a
// single statement) or that only reads personal data has it written by
// Finish when the request succeeded.
type PendingAudit struct {
	s *Service

	mu      sync.Mutex
	entry   AuditEntry
	written bool
}

type pendingAuditKey struct{}

// BeginAudit returns a context that carries e as the request's pending
// audit entry (see PendingAudit), and the entry.
func (s *Service) BeginAudit(ctx context.Context, e AuditEntry) (context.Context, *PendingAudit) {
	p := &PendingAudit{s: s, entry: e}
	ctx = context.WithValue(ctx, pendingAuditKey{}, p)
	return db.WithTxHook(ctx, p), p
}

// AuditTarget names what the request acted on, for a request whose target
// is not in its path (the object a create made); domain code calls it
// inside the transaction that makes the object. It does nothing outside a
// staff request.
func AuditTarget(ctx context.Context, kind, id string) {
	if p, ok := ctx.Value(pendingAuditKey{}).(*PendingAudit); ok {
		p.mu.Lock()
		p.entry.TargetKind, p.entry.TargetID = kind, id
		p.mu.Unlock()
	}
}

// AuditDetail adds a short, non-personal description to the request's
// audit entry. It does nothing outside a staff request.
func AuditDetail(ctx context.Context, detail string) {
	if p, ok := ctx.Value(pendingAuditKey{}).(*PendingAudit); ok {
		p.SetDetail(detail)
	}
}

// SetDetail sets the entry's description if it has not been written yet.
func (p *PendingAudit) SetDetail(detail string) {
	p.mu.Lock()
	p.entry.Detail = detail
	p.mu.Unlock()
}

// BeforeCommit writes the entry in tx, unless an earlier transaction of the
// request wrote it.
func (p *PendingAudit) BeforeCommit(tx *gorm.DB) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.written {
		return nil
	}
	e := p.entry
	e.ID, e.CreatedAt = 0, p.s.now().UTC()
	return tx.Create(&e).Error
}

// Committed records that a transaction wrote the entry.
func (p *PendingAudit) Committed() {
	p.mu.Lock()
	p.written = true
	p.mu.Unlock()
}

// Finish writes the entry on its own if the request succeeded (ok) and no
// transaction of it wrote it.
func (p *PendingAudit) Finish(ctx context.Context, ok bool) error {
	p.mu.Lock()
	if p.written || !ok {
		p.mu.Unlock()
		return nil
	}
	p.written = true
	e := p.entry
	p.mu.Unlock()
	return p.s.Audit(ctx, e)
}
