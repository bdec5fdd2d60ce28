package residents

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
)

//go:embed regions.json
var regionsJSON []byte

// Street is one of Futian's ten streets (街道) with its communities (社区).
type Street struct {
	Name        string   `json:"name"`
	Communities []string `json:"communities"`
}

// Regions is the district's geography and the tags residents may choose.
// It is fixed data shipped with the binary.
type Regions struct {
	Streets  []Street `json:"streets"`
	SelfTags []string `json:"self_tags"`

	communityStreet map[string]string
}

// LoadRegions parses the embedded regions.json.
func LoadRegions() (*Regions, error) {
	var r Regions
	if err := json.Unmarshal(regionsJSON, &r); err != nil {
		return nil, fmt.Errorf("regions.json: %w", err)
	}
	r.communityStreet = map[string]string{}
	for _, st := range r.Streets {
		for _, c := range st.Communities {
			r.communityStreet[c] = st.Name
		}
	}
	return &r, nil
}

// IsStreet reports whether name is a street of the district.
func (r *Regions) IsStreet(name string) bool {
	return slices.ContainsFunc(r.Streets, func(s Street) bool { return s.Name == name })
}

// IsCommunity reports whether name is a community of the district.
func (r *Regions) IsCommunity(name string) bool {
	_, ok := r.communityStreet[name]
	return ok
}

// StreetOf returns the street a community belongs to, or "".
func (r *Regions) StreetOf(community string) string { return r.communityStreet[community] }

// IsSelfTag reports whether a resident may choose tag for themself.
func (r *Regions) IsSelfTag(tag string) bool { return slices.Contains(r.SelfTags, tag) }
