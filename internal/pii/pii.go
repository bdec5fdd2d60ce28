// Package pii protects personal data at rest: phone and ID numbers are
// sealed with AES-256-GCM and found again through a keyed hash (HMAC-SHA256),
// so the database holds neither the plain value nor a guessable digest.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the length of a data key in bytes.
const KeySize = 32

// Box seals and opens personal values. It is safe for concurrent use.
type Box struct {
	aead    cipher.AEAD
	hashKey []byte
}

// New returns a Box for a 32-byte master key. Separate keys for sealing
// and hashing are derived from it with HKDF.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("data key must be %d bytes, got %d", KeySize, len(key))
	}
	encKey, err := hkdf.Key(sha256.New, key, nil, "ifutian pii seal v1", KeySize)
	if err != nil {
		return nil, err
	}
	hashKey, err := hkdf.Key(sha256.New, key, nil, "ifutian pii hash v1", KeySize)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(encKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead, hashKey: hashKey}, nil
}

// ParseKey decodes a base64 (standard or URL, padded or not) data key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, fmt.Errorf("IFUTIAN_DATA_KEY must be %d bytes in base64", KeySize)
}

// LoadOrCreateKeyFile reads a base64 key from path, creating it with a new
// random key (mode 0600) if it does not exist. created reports a new key.
func LoadOrCreateKeyFile(path string) (key []byte, created bool, err error) {
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := ParseKey(string(b))
		return k, false, err
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, err
	}
	k := make([]byte, KeySize)
	rand.Read(k)
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(k)+"\n"), 0o600); err != nil {
		return nil, false, err
	}
	return k, true, nil
}

// Seal encrypts plain with a fresh nonce; the nonce is prefixed.
func (b *Box) Seal(plain string) []byte {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	rand.Read(nonce)
	return b.aead.Seal(nonce, nonce, []byte(plain), nil)
}

// Open decrypts a value made by Seal. It fails if the value was altered or
// sealed under another key.
func (b *Box) Open(sealed []byte) (string, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n {
		return "", errors.New("pii: sealed value too short")
	}
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], nil)
	if err != nil {
		return "", errors.New("pii: cannot open sealed value")
	}
	return string(plain), nil
}

// Hash returns the keyed hash used to look a value up without decrypting.
func (b *Box) Hash(plain string) []byte {
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(plain))
	return m.Sum(nil)
}

// MaskPhone shows the first three and last four digits: 138****5678.
func MaskPhone(phone string) string {
	if len(phone) < 7 {
		return strings.Repeat("*", len(phone))
	}
	return phone[:3] + strings.Repeat("*", len(phone)-7) + phone[len(phone)-4:]
}
