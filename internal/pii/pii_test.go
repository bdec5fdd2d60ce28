package pii

import (
	"bytes"
	"testing"
)

func box(t *testing.T, b byte) *Box {
	t.Helper()
	x, err := New(bytes.Repeat([]byte{b}, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestSealOpen(t *testing.T) {
	b := box(t, 1)
	sealed := b.Seal("13812345678")
	if bytes.Contains(sealed, []byte("13812345678")) {
		t.Fatal("sealed value holds the plain text")
	}
	if bytes.Equal(sealed, b.Seal("13812345678")) {
		t.Fatal("two seals of one value are equal: nonce reused")
	}
	got, err := b.Open(sealed)
	if err != nil || got != "13812345678" {
		t.Fatalf("Open=%q, %v", got, err)
	}
	t.Run("ErrTampered", func(t *testing.T) {
		bad := bytes.Clone(sealed)
		bad[len(bad)-1] ^= 1
		if _, err := b.Open(bad); err == nil {
			t.Fatal("tampered value opened")
		}
	})
	t.Run("ErrOtherKey", func(t *testing.T) {
		if _, err := box(t, 2).Open(sealed); err == nil {
			t.Fatal("opened under another key")
		}
	})
	t.Run("ErrShort", func(t *testing.T) {
		if _, err := b.Open([]byte{1, 2}); err == nil {
			t.Fatal("opened a short value")
		}
	})
}

func TestHash(t *testing.T) {
	a, b := box(t, 1), box(t, 2)
	if !bytes.Equal(a.Hash("138"), a.Hash("138")) {
		t.Fatal("hash not deterministic")
	}
	if bytes.Equal(a.Hash("138"), b.Hash("138")) {
		t.Fatal("hash not keyed")
	}
}

func TestParseKey(t *testing.T) {
	if _, err := ParseKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseKey("c2hvcnQ="); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestMaskPhone(t *testing.T) {
	if got, want := MaskPhone("13812345678"), "138****5678"; got != want {
		t.Fatalf("MaskPhone=%q, want %q", got, want)
	}
	if got := MaskPhone("123"); got != "***" {
		t.Fatalf("MaskPhone(short)=%q", got)
	}
}
