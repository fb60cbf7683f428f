package main

// Index commands: kopia's repo/content/index package builds and parses index blobs (v1, v2) and
// merges several, so the tests compare lifeboat's codec and merge rule with kopia's own.
//
//   index-build <version>        stdin: JSON array of entries; stdout: the index bytes (stable, no random suffix)
//   index-parse [v1-overhead]    stdin: index bytes; stdout: JSON array of entries in index order
//   index-merge                  stdin: JSON array of arrays of entries, one index each; stdout: merged entries
//   index-lookup <content-id>... stdin: JSON array of arrays of entries; stdout: JSON array, the merged GetInfo of each ID (null when absent)

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/kopia/kopia/repo/blob"
	"github.com/kopia/kopia/repo/compression"
	"github.com/kopia/kopia/repo/content/index"
)

type oracleIndexEntry struct {
	ContentID           string `json:"contentId"`
	PackBlobID          string `json:"packBlobId"`
	PackOffset          uint32 `json:"packOffset"`
	PackedLength        uint32 `json:"packedLength"`
	OriginalLength      uint32 `json:"originalLength"`
	TimestampSeconds    int64  `json:"timestampSeconds"`
	Deleted             bool   `json:"deleted"`
	CompressionHeaderID uint32 `json:"compressionHeaderId"`
	FormatVersion       byte   `json:"formatVersion"`
	EncryptionKeyID     byte   `json:"encryptionKeyId"`
}

func toInfo(e oracleIndexEntry) (index.Info, error) {
	id, err := index.ParseID(e.ContentID)
	if err != nil {
		return index.Info{}, fmt.Errorf("content ID %q: %w", e.ContentID, err)
	}

	return index.Info{
		ContentID:           id,
		PackBlobID:          blob.ID(e.PackBlobID),
		PackOffset:          e.PackOffset,
		PackedLength:        e.PackedLength,
		OriginalLength:      e.OriginalLength,
		TimestampSeconds:    e.TimestampSeconds,
		Deleted:             e.Deleted,
		CompressionHeaderID: compression.HeaderID(e.CompressionHeaderID),
		FormatVersion:       e.FormatVersion,
		EncryptionKeyID:     e.EncryptionKeyID,
	}, nil
}

func fromInfo(i index.Info) oracleIndexEntry {
	return oracleIndexEntry{
		ContentID:           i.ContentID.String(),
		PackBlobID:          string(i.PackBlobID),
		PackOffset:          i.PackOffset,
		PackedLength:        i.PackedLength,
		OriginalLength:      i.OriginalLength,
		TimestampSeconds:    i.TimestampSeconds,
		Deleted:             i.Deleted,
		CompressionHeaderID: uint32(i.CompressionHeaderID),
		FormatVersion:       i.FormatVersion,
		EncryptionKeyID:     i.EncryptionKeyID,
	}
}

func buildIndex(entries []oracleIndexEntry, version int) ([]byte, error) {
	b := index.Builder{}

	for _, e := range entries {
		info, err := toInfo(e)
		if err != nil {
			return nil, err
		}

		b.Add(info)
	}

	shards, closeShards, err := b.BuildShards(version, true, 1<<30)
	if err != nil {
		return nil, err
	}
	defer closeShards()

	if len(shards) != 1 {
		return nil, fmt.Errorf("expected one shard, got %d", len(shards))
	}

	var buf bytes.Buffer
	if _, err := shards[0].WriteTo(&buf); err != nil {
		return nil, err
	}

	return buf.Bytes(), nil
}

func openIndexes(groups [][]oracleIndexEntry) (index.Merged, error) {
	var merged index.Merged

	for _, g := range groups {
		data, err := buildIndex(g, index.Version2)
		if err != nil {
			return nil, err
		}

		ndx, err := index.Open(data, nil, func() int { return 0 })
		if err != nil {
			return nil, err
		}

		merged = append(merged, ndx)
	}

	return merged, nil
}

func printJSON(v any) error {
	return json.NewEncoder(os.Stdout).Encode(v)
}

func collect(ndx index.Index) ([]oracleIndexEntry, error) {
	out := []oracleIndexEntry{}
	err := ndx.Iterate(index.AllIDs, func(i index.Info) error {
		out = append(out, fromInfo(i))
		return nil
	})

	return out, err
}

func init() {
	commands["index-build"] = func(args []string) error {
		version := index.Version2
		if len(args) > 0 {
			v, err := strconv.Atoi(args[0])
			if err != nil {
				return err
			}

			version = v
		}

		var entries []oracleIndexEntry
		if err := json.NewDecoder(os.Stdin).Decode(&entries); err != nil {
			return err
		}

		data, err := buildIndex(entries, version)
		if err != nil {
			return err
		}

		_, err = os.Stdout.Write(data)

		return err
	}

	commands["index-parse"] = func(args []string) error {
		overhead := 0
		if len(args) > 0 {
			v, err := strconv.Atoi(args[0])
			if err != nil {
				return err
			}

			overhead = v
		}

		data, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}

		ndx, err := index.Open(data, nil, func() int { return overhead })
		if err != nil {
			return err
		}

		out, err := collect(ndx)
		if err != nil {
			return err
		}

		return printJSON(out)
	}

	commands["index-merge"] = func(_ []string) error {
		var groups [][]oracleIndexEntry
		if err := json.NewDecoder(os.Stdin).Decode(&groups); err != nil {
			return err
		}

		merged, err := openIndexes(groups)
		if err != nil {
			return err
		}

		out, err := collect(merged)
		if err != nil {
			return err
		}

		return printJSON(out)
	}

	commands["index-lookup"] = func(args []string) error {
		var groups [][]oracleIndexEntry
		if err := json.NewDecoder(os.Stdin).Decode(&groups); err != nil {
			return err
		}

		merged, err := openIndexes(groups)
		if err != nil {
			return err
		}

		out := []*oracleIndexEntry{}

		for _, a := range args {
			id, err := index.ParseID(a)
			if err != nil {
				return err
			}

			var info index.Info

			ok, err := merged.GetInfo(id, &info)
			if err != nil {
				return err
			}

			if !ok {
				out = append(out, nil)
				continue
			}

			e := fromInfo(info)
			out = append(out, &e)
		}

		return printJSON(out)
	}
}
