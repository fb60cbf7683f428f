package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/kopia/kopia/repo/blob/filesystem"
	"github.com/kopia/kopia/repo/format"
)

// format-open <filesystem repository path> <password>: opens kopia.repository with kopia's format
// manager and prints what it decrypted, secrets included (base64), as JSON.
func init() {
	commands["format-open"] = func(args []string) error {
		if len(args) != 2 {
			return errors.New("usage: format-open <path> <password>")
		}
		ctx := context.Background()
		st, err := filesystem.New(ctx, &filesystem.Options{Path: args[0]}, false)
		if err != nil {
			return err
		}
		cacheDir, err := os.MkdirTemp("", "kopia-oracle-format-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(cacheDir) //nolint:errcheck
		m, err := format.NewManager(ctx, st, cacheDir, -1, args[1], time.Now)
		if err != nil {
			return err
		}
		mp, err := m.GetMutableParameters(ctx)
		if err != nil {
			return err
		}
		features, err := m.RequiredFeatures(ctx)
		if err != nil {
			return err
		}
		blobCfg, err := m.BlobCfgBlob(ctx)
		if err != nil {
			return err
		}
		out := map[string]any{
			"uniqueID":             m.UniqueID(),
			"formatKey":            m.FormatEncryptionKey(),
			"hash":                 m.GetHashFunction(),
			"encryption":           m.GetEncryptionAlgorithm(),
			"ecc":                  m.GetECCAlgorithm(),
			"eccOverheadPercent":   m.GetECCOverheadPercent(),
			"secret":               m.GetHmacSecret(),
			"masterKey":            m.GetMasterKey(),
			"splitter":             m.ObjectFormat().Splitter,
			"enablePasswordChange": m.SupportsPasswordChange(),
			"mutable":              mp,
			"requiredFeatures":     features,
			"blobCfg":              blobCfg,
		}
		return json.NewEncoder(os.Stdout).Encode(out)
	}

	// format-create <path> <password> <keyAlgo>: creates a filesystem repository's format blobs with
	// kopia's format.Initialize from the repository configuration JSON on stdin (the "format" object
	// inside encryptedBlockFormat), so a test can make what the CLI refuses to (e.g. required features).
	commands["format-create"] = func(args []string) error {
		if len(args) != 3 {
			return errors.New("usage: format-create <path> <password> <keyAlgo> < config.json")
		}
		ctx := context.Background()
		var cfg format.RepositoryConfig
		if err := json.NewDecoder(os.Stdin).Decode(&cfg); err != nil {
			return fmt.Errorf("config: %w", err)
		}
		st, err := filesystem.New(ctx, &filesystem.Options{Path: args[0]}, true)
		if err != nil {
			return err
		}
		fb := &format.KopiaRepositoryJSON{Tool: "kopia-oracle", KeyDerivationAlgorithm: args[2]}
		return format.Initialize(ctx, st, fb, &cfg, format.BlobStorageConfiguration{}, args[1])
	}
}
