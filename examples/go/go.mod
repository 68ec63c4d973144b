module github.com/faceauth/faceauth/examples/go

go 1.24

require github.com/faceauth/faceauth/go v0.0.0

// The package from this checkout. Your own module requires a tagged version instead (or the
// same replace, pointing at your clone).
replace github.com/faceauth/faceauth/go => ../../go
