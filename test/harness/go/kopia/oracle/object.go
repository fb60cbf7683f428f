package main

// Commands for the object layer: the splitter (and its buzhash table), object IDs, indirect
// objects, directory manifests and snapshot manifests, all through kopia's own packages.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/chmduquesne/rollinghash/buzhash32"

	"github.com/kopia/kopia/fs"
	"github.com/kopia/kopia/repo/object"
	"github.com/kopia/kopia/repo/splitter"
	"github.com/kopia/kopia/snapshot"
	"github.com/kopia/kopia/snapshot/snapshotfs"
)

func init() {
	commands["buzhash-table"] = buzhashTable
	commands["split"] = splitCommand
	commands["object-id"] = objectIDCommand
	commands["indirect-encode"] = indirectEncode
	commands["dir-build"] = dirBuild
	commands["dir-roundtrip"] = dirRoundTrip
	commands["snapshot-manifest"] = snapshotManifestRoundTrip
}

// buzhash-table: the 256 values of buzhash32's default table (GenerateHashes(1)), one per line.
func buzhashTable(_ []string) error {
	table := buzhash32.GenerateHashes(1)
	w := bufio.NewWriter(os.Stdout)
	for _, v := range table {
		fmt.Fprintln(w, v)
	}
	return w.Flush()
}

// split <splitter> [chunk]: stdin fed to kopia's splitter in pieces of chunk bytes (default: all
// at once); prints the end offset of every segment, one per line (the last one is the input's end).
func splitCommand(args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("usage: split <splitter> [chunk]")
	}
	factory := splitter.GetFactory(args[0])
	if factory == nil {
		return fmt.Errorf("unknown splitter %q", args[0])
	}
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	chunk := len(data)
	if len(args) > 1 {
		if chunk, err = strconv.Atoi(args[1]); err != nil || chunk <= 0 {
			return fmt.Errorf("bad chunk size %q", args[1])
		}
	}
	s := factory()
	w := bufio.NewWriter(os.Stdout)
	pos := 0
	for start := 0; start < len(data); start += chunk {
		piece := data[start:min(start+chunk, len(data))]
		for len(piece) > 0 {
			n := s.NextSplitPoint(piece)
			if n < 0 {
				pos += len(piece)
				break
			}
			pos += n
			fmt.Fprintln(w, pos)
			piece = piece[n:]
		}
	}
	if len(data) > 0 {
		fmt.Fprintln(w, "end", len(data))
	}
	return w.Flush()
}

// object-id: each stdin line parsed with object.ParseID; prints its String() or "ERR".
func objectIDCommand(_ []string) error {
	sc := bufio.NewScanner(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	for sc.Scan() {
		id, err := object.ParseID(sc.Text())
		if err != nil {
			fmt.Fprintln(w, "ERR")
			continue
		}
		fmt.Fprintln(w, id.String())
	}
	return w.Flush()
}

// indirect-encode: stdin a JSON array of kopia's IndirectObjectEntry; prints the indirect object
// as the object writer encodes it (json.Encoder over {stream, entries}).
func indirectEncode(_ []string) error {
	var entries []object.IndirectObjectEntry
	if err := json.NewDecoder(os.Stdin).Decode(&entries); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(struct {
		StreamID string                       `json:"stream"`
		Entries  []object.IndirectObjectEntry `json:"entries"`
	}{"kopia:indirect", entries})
}

// dir-build: stdin {"dirModTime": RFC3339, "incomplete": "", "entries": [DirEntry…]}; the entries go
// through kopia's DirManifestBuilder and the manifest is encoded as WriteDirManifest does.
func dirBuild(_ []string) error {
	var in struct {
		DirModTime fs.UTCTimestamp      `json:"dirModTime"`
		Incomplete string               `json:"incomplete"`
		Entries    []*snapshot.DirEntry `json:"entries"`
	}
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return err
	}
	var b snapshotfs.DirManifestBuilder
	for _, e := range in.Entries {
		b.AddEntry(e)
	}
	return json.NewEncoder(os.Stdout).Encode(b.Build(in.DirModTime, in.Incomplete))
}

// dir-roundtrip: stdin a directory manifest; decoded into snapshot.DirManifest and encoded again.
func dirRoundTrip(_ []string) error {
	var m snapshot.DirManifest
	if err := json.NewDecoder(os.Stdin).Decode(&m); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(&m)
}

// snapshot-manifest: stdin a snapshot manifest; decoded into snapshot.Manifest and marshalled as
// the manifest manager stores it (json.Marshal, no newline).
func snapshotManifestRoundTrip(_ []string) error {
	var m snapshot.Manifest
	if err := json.NewDecoder(os.Stdin).Decode(&m); err != nil {
		return err
	}
	b, err := json.Marshal(&m)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(b)
	return err
}
