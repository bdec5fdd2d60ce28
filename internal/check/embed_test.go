package check

import (
	"testing"

	"github.com/futian/ifutian/internal/apperr"
)

type embeddedInner struct {
	A string `json:"a" binding:"max=2"`
}

type EmbeddedExported struct {
	B []string `json:"b" binding:"dive,max=2"`
}

type embeddedOuter struct {
	embeddedInner
	EmbeddedExported
	Q string `form:"q" binding:"max=2"`
}

// An embedded struct's fields are named as JSON and a query string see
// them: as the outer struct's own.
func TestStructNamesEmbeddedFieldsFlat(t *testing.T) {
	err := Struct(&embeddedOuter{embeddedInner{"xxx"}, EmbeddedExported{[]string{"ok", "yyy"}}, "zzz"})
	ae, _ := err.(*apperr.Error)
	if ae == nil {
		t.Fatalf("Struct=%v, want invalid_argument", err)
	}
	for _, want := range []string{"a", "b[1]", "q"} {
		if _, ok := ae.Fields[want]; !ok {
			t.Errorf("fields=%v, want %q", ae.Fields, want)
		}
	}
}

func TestStructNamesFieldsOfAnUnnamedStruct(t *testing.T) {
	v := struct {
		Code  string `json:"code" binding:"max=2"`
		Items []struct {
			N string `json:"n" binding:"max=1"`
		} `json:"items" binding:"dive"`
	}{Code: "xxx"}
	v.Items = append(v.Items, struct {
		N string `json:"n" binding:"max=1"`
	}{"yy"})
	ae, _ := Struct(&v).(*apperr.Error)
	if ae == nil || ae.Fields["code"] == "" || ae.Fields["items[0].n"] == "" {
		t.Fatalf("Struct=%v, want code and items[0].n", ae)
	}
}
