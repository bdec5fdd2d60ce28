package staff

// everyStreet returns the scope with its street limit lifted: comparing two
// such scopes with Within compares their departments alone.
func (s Scope) everyStreet() Scope {
	s.streets = nil
	return s
}

// reach is the scope a member's account grants, whether or not it is
// disabled now: what it could act on, for judging who may audit it.
// (Member.Scope of a disabled account covers nothing.)
func reach(m Member) Scope {
	m.Disabled = false
	return m.Scope()
}
