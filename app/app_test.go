package app

import (
	"reflect"
	"testing"
)

// TestPersonalDataListed fails when a service that exports and erases
// residents' personal data is not wired into /me/export and DELETE /me.
func TestPersonalDataListed(t *testing.T) {
	s := &Services{}
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		f.Set(reflect.New(f.Type().Elem()))
	}
	listed := map[any]bool{}
	for _, m := range s.personalData() {
		listed[m] = true
	}
	iface := reflect.TypeFor[personalData]()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Type().Implements(iface) && !listed[f.Interface()] {
			t.Errorf("Services.%s keeps personal data but is not in personalData()", v.Type().Field(i).Name)
		}
	}
}
