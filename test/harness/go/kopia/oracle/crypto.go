package main

// Commands over kopia's repo/hashing, repo/encryption and repo/compression packages:
//
//	crypto-hash ALGORITHM SECRET_HEX             stdin → hex hash
//	crypto-encrypt ALGORITHM MASTER_KEY_HEX IV_HEX   stdin plaintext → ciphertext (random nonce)
//	crypto-decrypt ALGORITHM MASTER_KEY_HEX IV_HEX   stdin ciphertext → plaintext
//	crypto-compress NAME                         stdin → header ‖ compressed stream
//	crypto-decompress                            stdin header ‖ stream → data
//	crypto-compressors                           one "name hexHeaderID" a line
//
// kopia's hash and encryption functions take gather.Bytes and *gather.WriteBuffer from an internal
// package this module cannot import; cryptoGatherCall builds those values through reflection.

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"

	"github.com/kopia/kopia/repo"
	"github.com/kopia/kopia/repo/compression"
	"github.com/kopia/kopia/repo/encryption"
	"github.com/kopia/kopia/repo/hashing"
)

type cryptoParams struct {
	hash, encryption string
	secret           []byte
}

func (p cryptoParams) GetHashFunction() string        { return p.hash }
func (p cryptoParams) GetHmacSecret() []byte          { return p.secret }
func (p cryptoParams) GetEncryptionAlgorithm() string { return p.encryption }
func (p cryptoParams) GetMasterKey() []byte           { return p.secret }

// cryptoGatherBytes makes a gather.Bytes (type t) holding data.
func cryptoGatherBytes(t reflect.Type, data []byte) reflect.Value {
	v := reflect.New(t).Elem()
	v.FieldByName("Slices").Set(reflect.ValueOf([][]byte{data}))
	return v
}

func cryptoArgs(args []string, n int) ([][]byte, error) {
	if len(args) != n {
		return nil, fmt.Errorf("want %d arguments, got %d", n, len(args))
	}
	out := make([][]byte, n)
	for i := 1; i < n; i++ {
		b, err := hex.DecodeString(args[i])
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i+1, err)
		}
		out[i] = b
	}
	return out, nil
}

func cryptoAEAD(args []string, decrypt bool) error {
	a, err := cryptoArgs(args, 3)
	if err != nil {
		return err
	}
	enc, err := encryption.CreateEncryptor(cryptoParams{encryption: args[0], secret: a[1]})
	if err != nil {
		return err
	}
	input, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	method := reflect.ValueOf(enc.Encrypt)
	if decrypt {
		method = reflect.ValueOf(enc.Decrypt)
	}
	out := reflect.New(method.Type().In(2).Elem())
	res := method.Call([]reflect.Value{cryptoGatherBytes(method.Type().In(0), input), reflect.ValueOf(a[2]), out})
	if e, _ := res[0].Interface().(error); e != nil {
		return e
	}
	result, _ := out.MethodByName("ToByteSlice").Call(nil)[0].Interface().([]byte)
	_, err = os.Stdout.Write(result)
	return err
}

func init() {
	commands["crypto-hash"] = func(args []string) error {
		a, err := cryptoArgs(args, 2)
		if err != nil {
			return err
		}
		hf, err := hashing.CreateHashFunc(cryptoParams{hash: args[0], secret: a[1]})
		if err != nil {
			return err
		}
		input, err := io.ReadAll(os.Stdin)
		if err != nil {
			return err
		}
		f := reflect.ValueOf(hf)
		res := f.Call([]reflect.Value{reflect.ValueOf([]byte(nil)), cryptoGatherBytes(f.Type().In(1), input)})
		sum, _ := res[0].Interface().([]byte)
		fmt.Println(hex.EncodeToString(sum))
		return nil
	}
	commands["crypto-encrypt"] = func(args []string) error { return cryptoAEAD(args, false) }
	commands["crypto-decrypt"] = func(args []string) error { return cryptoAEAD(args, true) }
	commands["crypto-compress"] = func(args []string) error {
		if len(args) != 1 {
			return errors.New("want a compressor name")
		}
		c := compression.ByName[compression.Name(args[0])]
		if c == nil {
			return fmt.Errorf("unknown compressor %q", args[0])
		}
		var out bytes.Buffer
		if err := c.Compress(&out, os.Stdin); err != nil {
			return err
		}
		_, err := os.Stdout.Write(out.Bytes())
		return err
	}
	commands["crypto-decompress"] = func(_ []string) error {
		var out bytes.Buffer
		if err := compression.DecompressByHeader(&out, os.Stdin); err != nil {
			return err
		}
		_, err := os.Stdout.Write(out.Bytes())
		return err
	}
	commands["crypto-compressors"] = func(_ []string) error {
		names := make([]string, 0, len(compression.ByName))
		for n := range compression.ByName {
			names = append(names, string(n))
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Printf("%s %x\n", n, uint32(compression.ByName[compression.Name(n)].HeaderID()))
		}
		return nil
	}
}

// crypto-repo-keys CONFIG_FILE PASSWORD prints the hash and encryption algorithms, HMAC secret and
// master key of a repository kopia is connected to through CONFIG_FILE, as JSON (test use only).
func init() {
	commands["crypto-repo-keys"] = func(args []string) error {
		if len(args) != 2 {
			return errors.New("want CONFIG_FILE PASSWORD")
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
		fm := dr.FormatManager()
		return json.NewEncoder(os.Stdout).Encode(map[string]string{
			"hash":       fm.GetHashFunction(),
			"encryption": fm.GetEncryptionAlgorithm(),
			"hmacSecret": hex.EncodeToString(fm.GetHmacSecret()),
			"masterKey":  hex.EncodeToString(fm.GetMasterKey()),
		})
	}
}
