// Package storage keeps files (residents' photos) outside the database: in
// a local directory by default, or in an S3-compatible bucket. Keys are
// chosen by the caller from random bytes (NewKey), never from user input.
package storage

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"regexp"
)

// ErrNotFound is returned by Get for a key that holds nothing.
var ErrNotFound = errors.New("storage: no such object")

// keyRE is what a key may look like: a prefix and random hex, so that no
// key can climb out of a directory or name another bucket's object.
var keyRE = regexp.MustCompile(`^[a-z]{1,16}/[0-9a-f]{32,64}$`)

// NewKey returns a fresh random key under prefix (lower-case letters).
func NewKey(prefix string) string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return prefix + "/" + hex.EncodeToString(b[:])
}

// ValidKey reports whether key has the shape NewKey gives.
func ValidKey(key string) bool { return keyRE.MatchString(key) }

func checkKey(key string) error {
	if !ValidKey(key) {
		return errors.New("storage: malformed key")
	}
	return nil
}
