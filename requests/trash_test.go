package requests_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/futian/ifutian/jobs"
	"github.com/futian/ifutian/requests"
	"github.com/futian/ifutian/storage"
)

// flakyStore fails its first fails deletions, as an object store that is
// down; it counts the deletions that reached the store.
type flakyStore struct {
	requests.Store
	fails, calls, deleted int
}

func (f *flakyStore) Delete(ctx context.Context, key string) error {
	if f.calls++; f.calls <= f.fails {
		return errOutage
	}
	f.deleted++
	return f.Store.Delete(ctx, key)
}

// TestTrashAfterOutage: the object store refuses the first deletions of an
// orphaned upload's photo and thumbnail. The sweep drops the upload all the
// same, and the job queue deletes both objects later, each exactly once
// (a job run again after it is done deletes nothing more).
func TestTrashAfterOutage(t *testing.T) {
	e := newEnv(t)
	store := &flakyStore{Store: e.deps.Store, fails: 3}
	d := e.deps
	svc := requests.New(requests.Deps{DB: d.DB, Store: store, Box: d.Box, Regions: d.Regions, Notify: e.svc.Notify,
		Points: e.svc.Points, Enterprises: e.svc.Enterprises, Staff: e.svc.Staff, Now: d.Now})
	q := jobs.New(d.DB, jobs.Config{Backoff: jobs.Backoff{Base: time.Millisecond, Max: time.Millisecond}})
	svc.RegisterJobs(q)

	up := must(e.req.UploadPhoto(e.ctx, e.resident("a"), bytes.NewReader(jpegBytes(t))))
	var keys struct{ StorageKey, ThumbKey string }
	d.DB.Table("request_photos").Select("storage_key, thumb_key").Where("token = ?", up.Token).Take(&keys)
	e.now = e.now.Add(requests.UnattachedPhotoTTL + time.Minute)
	if n := must(svc.Sweep(e.ctx)); n != 1 {
		t.Fatalf("swept %d, want 1", n)
	}
	for range 200 {
		if _, err := q.Work(e.ctx); err != nil {
			t.Fatal(err)
		}
		var open int64
		d.DB.Model(&jobs.Job{}).Where("kind = ? AND status IN ?", requests.JobDeleteObject, []string{jobs.Queued, jobs.Running}).Count(&open)
		if open == 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	var js []jobs.Job
	d.DB.Where("kind = ?", requests.JobDeleteObject).Order("id").Find(&js)
	if len(js) != 2 || js[0].Status != jobs.Done || js[1].Status != jobs.Done || js[0].Attempts+js[1].Attempts != 5 {
		t.Fatalf("jobs %+v, want both done after 5 attempts in all", js)
	}
	for _, k := range []string{keys.StorageKey, keys.ThumbKey} {
		if _, _, err := e.store.Get(e.ctx, k); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("%s after the outage: %v", k, err)
		}
	}
	if store.deleted != 2 {
		t.Fatalf("%d deletions reached the store, want 2", store.deleted)
	}
	// A later sweep finds nothing more to drop or delete.
	if n := must(svc.Sweep(e.ctx)); n != 0 {
		t.Fatalf("swept %d again", n)
	}
	if n, err := q.Work(e.ctx); err != nil || n != 0 {
		t.Fatalf("ran %d jobs again, %v", n, err)
	}
}
