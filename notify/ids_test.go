package notify

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestIDsJSON(t *testing.T) {
	var a Audience
	if err := json.Unmarshal([]byte(`{"resident_ids":["12",34]}`), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.ResidentIDs) != 2 || a.ResidentIDs[0] != 12 || a.ResidentIDs[1] != 34 {
		t.Fatalf("ResidentIDs=%v", a.ResidentIDs)
	}
	out, _ := json.Marshal(a.ResidentIDs)
	if got, want := string(out), `["12","34"]`; got != want {
		t.Fatalf("Marshal=%s, want %s", got, want)
	}
	var ute *json.UnmarshalTypeError
	for _, bad := range []string{`{"resident_ids":["x"]}`, `{"resident_ids":"1"}`, `{"resident_ids":[true]}`} {
		err := json.Unmarshal([]byte(bad), &a)
		if err == nil {
			t.Fatalf("%s accepted", bad)
		}
		if !errors.As(err, &ute) || ute.Field != "resident_ids" {
			t.Fatalf("%s: err=%#v, want a type error naming resident_ids", bad, err)
		}
	}
}
