module github.com/faceauth/faceauth/go

go 1.24
