package main

// epoch-select <config-file> <password>: stdin is a JSON array of listings of blobs
// ([[{"id","length","timestamp"}]]); stdout is, for each, what kopia's epoch manager (internal/epoch,
// not importable) selects from it: [{"blobs": [ids...], "deletionWatermark": unix seconds or null}]. The manager of a real repository is
// pointed at a storage that lists the given blobs instead of the repository's, so any listing can be
// asked about without writing blobs that would have to decrypt.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"time"
	"unsafe"

	"github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
)

type listedStorage struct {
	blob.Storage

	blobs []blob.Metadata
}

func (s listedStorage) ListBlobs(_ context.Context, prefix blob.ID, cb func(bm blob.Metadata) error) error {
	for _, b := range s.blobs {
		if strings.HasPrefix(string(b.BlobID), string(prefix)) {
			if err := cb(b); err != nil {
				return err
			}
		}
	}

	return nil
}

type listedBlob struct {
	ID        string    `json:"id"`
	Length    int64     `json:"length"`
	Timestamp time.Time `json:"timestamp"`
}

func init() {
	commands["epoch-select"] = func(args []string) error {
		if len(args) != 2 {
			return errors.New("usage: epoch-select <config-file> <password>")
		}

		var listings [][]listedBlob
		if err := json.NewDecoder(os.Stdin).Decode(&listings); err != nil {
			return err
		}

		ctx := context.Background()

		r, err := repo.Open(ctx, args[0], args[1], &repo.Options{})
		if err != nil {
			return err
		}
		defer r.Close(ctx) //nolint:errcheck

		dr, ok := r.(repo.DirectRepository)
		if !ok {
			return errors.New("not a direct repository")
		}

		ctx, w, err := dr.NewDirectWriter(ctx, repo.WriteSessionOptions{Purpose: "oracle"})
		if err != nil {
			return err
		}
		defer w.Close(ctx) //nolint:errcheck

		em, ok, err := w.ContentManager().EpochManager(ctx)
		if err != nil {
			return err
		}

		if !ok {
			return errors.New("the repository has no epoch manager")
		}

		type selection struct {
			Blobs             []string `json:"blobs"`
			DeletionWatermark *int64   `json:"deletionWatermark"`
		}

		results := []selection{}
		// The manager's storage is an unexported field of an internal type: swap it for each listing.
		field := reflect.ValueOf(em).Elem().FieldByName("st")
		stField := reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem()

		for _, listing := range listings {
			st := listedStorage{Storage: w.BlobStorage()}
			for _, b := range listing {
				st.blobs = append(st.blobs, blob.Metadata{BlobID: blob.ID(b.ID), Length: b.Length, Timestamp: b.Timestamp})
			}

			stField.Set(reflect.ValueOf(blob.Storage(st)))
			em.Invalidate()

			blobs, watermark, err := em.GetCompleteIndexSet(ctx, -1)
			if err != nil {
				return err
			}

			out := selection{Blobs: []string{}}
			for _, b := range blobs {
				out.Blobs = append(out.Blobs, string(b.BlobID))
			}

			if !watermark.IsZero() {
				s := watermark.Unix()
				out.DeletionWatermark = &s
			}

			results = append(results, out)
		}

		return printJSON(results)
	}
}
