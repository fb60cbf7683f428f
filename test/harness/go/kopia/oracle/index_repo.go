package main

// repo-index-entries <config-file> <password> <blob-id>...: the entries kopia reads from each index
// blob of a repository (decrypted and parsed by kopia's content manager), as a JSON object of blob ID
// to entries, so the tests can merge them with lifeboat's rule and selection and compare the result
// with `kopia content list`.

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/content/index"
)

func init() {
	commands["repo-index-entries"] = func(args []string) error {
		if len(args) < 2 {
			return errors.New("usage: repo-index-entries <config-file> <password> <blob-id>...")
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

		// LoadIndexBlob takes a *gather.WriteBuffer, a type of an internal package: make one by reflection.
		load := reflect.ValueOf(w.ContentManager().LoadIndexBlob)
		out := map[string][]oracleIndexEntry{}

		for _, id := range args[2:] {
			buf := reflect.New(load.Type().In(2).Elem())
			res := load.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(blob.ID(id)), buf})

			if e, _ := res[1].Interface().(error); e != nil {
				return fmt.Errorf("%s: %w", id, e)
			}

			infos, _ := res[0].Interface().([]index.Info)
			entries := []oracleIndexEntry{}

			for _, i := range infos {
				entries = append(entries, fromInfo(i))
			}

			out[id] = entries
		}

		return printJSON(out)
	}
}
